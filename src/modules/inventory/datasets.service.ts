import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { rethrowUniqueAs } from '../../common/errors/unique-violation';
import { normaliseJson } from '../../common/json/normalise-json';
import type { Actor } from '../../policies/principal';
import type {
  CreateDatasetDto,
  DatasetDeclarationDto,
  DatasetResponseDto,
  UpdateDatasetDto,
} from './dto/dataset.dto';
import type { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import {
  DatasetAlreadyExists,
  DatasetArchiveRefused,
  DatasetNotEmpty,
  DatasetNotFound,
  SystemNotFound,
} from './inventory.errors';
import { DEFAULT_REFERENCED_ROWS } from './inventory.model';
import { byString, compactTimestamps, datasetSnapshot, toDatasetResponse } from './inventory.mapper';
import { InventoryRepository } from './inventory.repository';
import { InventoryChanges } from './inventory-changes';
import { SystemsService } from './systems.service';

/**
 * The datasets (tables) of each system: key, subject and timestamp columns. A write locks the
 * dataset's system first (the order every inventory writer follows); a dataset with fields
 * cannot be deleted.
 */
@Injectable()
export class DatasetsService {
  constructor(
    private readonly repository: InventoryRepository,
    private readonly changes: InventoryChanges,
    private readonly systems: SystemsService,
  ) {}

  async createDataset(systemCode: string, dto: CreateDatasetDto, actor: Actor): Promise<DatasetResponseDto> {
    const alreadyExists = () =>
      new DatasetAlreadyExists(`System "${systemCode}" already has a dataset "${dto.name}"`);
    return this.changes
      .transaction(async (m) => {
        const system = await this.systems.lockSystem(m, systemCode);
        if (await this.repository.datasetExists(m, system.id, dto.name)) throw alreadyExists();
        const saved = await this.repository.insertDataset(m, {
          systemId: system.id,
          name: dto.name,
          description: dto.description ?? null,
          primaryKey: dto.primaryKey,
          subjectColumn: dto.subjectColumn ?? null,
          timestampColumns: compactTimestamps(dto.timestampColumns),
          archiveTable: archiveTableOf(dto, system.kind, dto.name),
          referencedRows: dto.referencedRows ?? DEFAULT_REFERENCED_ROWS,
        });
        await this.changes.record(m, actor, 'dataset.created', datasetTarget(systemCode, saved.name), {
          after: datasetSnapshot(saved, systemCode),
        });
        return toDatasetResponse(saved, systemCode, 0);
      })
      .catch(rethrowUniqueAs(alreadyExists));
  }

  async updateDataset(
    systemCode: string,
    name: string,
    dto: UpdateDatasetDto,
    actor: Actor,
  ): Promise<DatasetResponseDto> {
    return this.changes.transaction(async (m) => {
      const dataset = await this.lockDataset(m, systemCode, name);
      const before = datasetSnapshot(dataset, systemCode);
      if (dto.description !== undefined) dataset.description = dto.description ?? null;
      if (dto.primaryKey !== undefined) dataset.primaryKey = dto.primaryKey;
      if (dto.subjectColumn !== undefined) dataset.subjectColumn = dto.subjectColumn ?? null;
      if (dto.timestampColumns !== undefined) {
        dataset.timestampColumns = compactTimestamps(dto.timestampColumns);
      }
      if (dto.archive !== undefined) {
        const system = await this.systems.lockSystem(m, systemCode);
        dataset.archiveTable = archiveTableOf(dto, system.kind, dataset.name);
      }
      if (dto.referencedRows !== undefined) dataset.referencedRows = dto.referencedRows;
      const after = datasetSnapshot(dataset, systemCode);
      const fieldCount = await this.repository.countFields(m, dataset.id);
      if (isDeepStrictEqual(normaliseJson(before), normaliseJson(after))) {
        return toDatasetResponse(dataset, systemCode, fieldCount);
      }
      const saved = await this.repository.saveDataset(m, dataset);
      await this.changes.record(m, actor, 'dataset.updated', datasetTarget(systemCode, name), {
        before,
        after,
      });
      return toDatasetResponse(saved, systemCode, fieldCount);
    });
  }

  async deleteDataset(systemCode: string, name: string, actor: Actor): Promise<void> {
    await this.changes.transaction(async (m) => {
      const dataset = await this.lockDataset(m, systemCode, name);
      const fields = await this.repository.countFields(m, dataset.id);
      if (fields > 0) {
        throw new DatasetNotEmpty(`Dataset "${name}" still has ${fields} field(s); delete them first`);
      }
      await this.repository.deleteDataset(m, dataset.id);
      await this.changes.record(m, actor, 'dataset.deleted', datasetTarget(systemCode, name), {
        before: datasetSnapshot(dataset, systemCode),
      });
    });
  }

  async getDataset(systemCode: string, name: string): Promise<DatasetResponseDto> {
    const m = this.repository.manager;
    const system = await this.repository.findSystem(systemCode, m);
    const dataset = system && (await this.repository.findDataset(m, system.id, name));
    if (!dataset) throw new DatasetNotFound(`System "${systemCode}" has no dataset "${name}"`);
    const count = await this.repository.countFields(m, dataset.id);
    return toDatasetResponse(dataset, systemCode, count);
  }

  /** Datasets of one system (404 if it does not exist), or of every system. */
  async listDatasets(systemCode?: string): Promise<DatasetResponseDto[]> {
    const m = this.repository.manager;
    const systems = await this.repository.findAllSystems(m);
    const codeById = new Map(systems.map((s) => [s.id, s.code]));
    const system = systemCode ? systems.find((s) => s.code === systemCode) : undefined;
    if (systemCode && !system) throw new SystemNotFound(`No system with code "${systemCode}"`);
    const rows = await this.repository.listDatasetsWithFieldCounts(m, system?.id);
    return rows
      .map(({ dataset, fieldCount }) =>
        toDatasetResponse(dataset, codeById.get(dataset.systemId)!, fieldCount),
      )
      .sort((a, b) => byString(a.systemCode, b.systemCode) || byString(a.name, b.name));
  }

  /** Locks the system, then the dataset, for a write in `m`; 404 if either is absent. */
  private async lockDataset(
    m: EntityManager,
    systemCode: string,
    name: string,
  ): Promise<InventoryDatasetEntity> {
    const system = await this.systems.lockSystem(m, systemCode);
    const dataset = await this.repository.lockDataset(m, system.id, name);
    if (!dataset) throw new DatasetNotFound(`System "${systemCode}" has no dataset "${name}"`);
    return dataset;
  }
}

/** The kinds whose executor moves values to an archive table itself (ADR 0052; mysql: issue 16). */
const ARCHIVING_KINDS = new Set(['postgres', 'mysql']);

/**
 * The declared archive table, checked: the engine moves values on postgres and mysql systems
 * (webhook and manual systems purge themselves), and never into the dataset's own table. Whether
 * the table exists and matches is checked at plan time (ADR 0052).
 */
function archiveTableOf(dto: DatasetDeclarationDto, kind: string, name: string): string | null {
  const table = dto.archive?.table ?? null;
  if (table === null) return null;
  if (!ARCHIVING_KINDS.has(kind)) {
    throw new DatasetArchiveRefused(
      `An archive table is supported on postgres and mysql systems only (this system is ${kind}): archive its values by other means`,
    );
  }
  if (table.toLowerCase() === name.toLowerCase()) {
    throw new DatasetArchiveRefused('The archive table must be another table than the dataset itself');
  }
  return table;
}

function datasetTarget(systemCode: string, name: string) {
  return { type: 'dataset', id: `${systemCode}/${name}` };
}
