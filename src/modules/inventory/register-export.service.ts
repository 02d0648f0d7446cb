import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { stringify } from 'yaml';
import { ProcessorsService } from '../processors/processors.service';
import { INHERITABLE_FIELDS } from '../purposes/purpose.model';
import { PurposesService } from '../purposes/purposes.service';
import { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import { PersonalFieldEntity } from './entities/personal-field.entity';
import { InventoryState, systemDeclaration } from './inventory.mapper';
import { DEFAULT_REFERENCED_ROWS } from './inventory.model';
import { InventoryReadModel } from './inventory-read-model.service';
import { canonicalRegister, RegisterDocument } from './register-document';

type Json = Record<string, unknown>;

/**
 * The register as it is now, as one canonical document: what the export writes, and what an
 * import validates and diffs against (read in the import's own transaction).
 */
@Injectable()
export class RegisterExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryReadModel,
    private readonly purposes: PurposesService,
    private readonly processors: ProcessorsService,
  ) {}

  async export(format: 'yaml' | 'json' = 'yaml'): Promise<{ contentType: string; body: string }> {
    const doc = await this.currentDocument(this.dataSource.manager);
    return format === 'json'
      ? { contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(doc, null, 2)}\n` }
      : { contentType: 'application/yaml; charset=utf-8', body: stringify(doc, { lineWidth: 0 }) };
  }

  /** The register as it is now, in canonical form (what export returns and import diffs against). */
  async currentDocument(m: EntityManager): Promise<RegisterDocument> {
    const views = await this.purposes.listAll(m);
    const state = await this.inventory.loadState(m);
    const purposes = views.map((v) => {
      const own: Json = {
        code: v.code,
        name: v.name,
        description: v.description,
        parentCode: v.parentCode,
        status: v.status,
      };
      // Own values only: what a sub-purpose inherits belongs to its parent's entry.
      for (const key of INHERITABLE_FIELDS) {
        if (!(key in v.inheritedFrom)) own[key] = (v as unknown as Json)[key];
      }
      return own;
    });
    const processors = await this.processors.listDeclarations(m);
    return canonicalRegister({ processors, purposes, systems: inventoryDocument(state) });
  }
}

/** The inventory part of the document, from the stored state (canonicalised by the caller). */
function inventoryDocument(state: InventoryState): Json[] {
  const datasetsBySystem = new Map<string, InventoryDatasetEntity[]>();
  for (const d of state.datasetsById.values()) {
    datasetsBySystem.set(d.systemId, [...(datasetsBySystem.get(d.systemId) ?? []), d]);
  }
  const fieldsByDataset = new Map<string, PersonalFieldEntity[]>();
  for (const f of state.fields)
    fieldsByDataset.set(f.datasetId, [...(fieldsByDataset.get(f.datasetId) ?? []), f]);
  return [...state.systemsById.values()].map((s) => ({
    ...systemDeclaration(s),
    datasets: (datasetsBySystem.get(s.id) ?? []).map((d) => ({
      name: d.name,
      description: d.description,
      primaryKey: d.primaryKey,
      subjectColumn: d.subjectColumn,
      timestampColumns: d.timestampColumns,
      ...(d.archiveTable ? { archive: { table: d.archiveTable } } : {}),
      ...(d.referencedRows !== DEFAULT_REFERENCED_ROWS ? { referencedRows: d.referencedRows } : {}),
      fields: (fieldsByDataset.get(d.id) ?? []).map((f) => ({
        column: f.columnName,
        dataCategory: f.dataCategory,
        description: f.description,
        anonymisation: f.anonymisation,
        purposes: (state.bindingsByField.get(f.id) ?? []).map((b) => ({
          purpose: b.purposeCode,
          actions: b.actions,
          obligation: b.obligation,
          appliesToSubPurposes: b.appliesToSubPurposes,
          anonymisation: b.anonymisation,
        })),
      })),
    })),
  }));
}
