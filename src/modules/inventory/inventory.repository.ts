import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, DeepPartial, EntityManager, In } from 'typeorm';
import type { SpecialFieldBinding } from '../purposes/purpose-field-bindings';
import { FieldPurposeEntity } from './entities/field-purpose.entity';
import { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import { InventorySystemEntity } from './entities/inventory-system.entity';
import { PersonalFieldEntity } from './entities/personal-field.entity';
import { SystemScanEntity } from './entities/system-scan.entity';

/** Every stored row of the inventory, read in one pass (see InventoryReadModel.loadState). */
export interface InventoryRows {
  systems: InventorySystemEntity[];
  datasets: InventoryDatasetEntity[];
  fields: PersonalFieldEntity[];
  bindings: FieldPurposeEntity[];
}

/** One row of the last-scan query, before its jsonb columns are parsed. */
export interface LastScanRow {
  systemCode: string;
  scannedAt: Date | string;
  unregistered: unknown;
  missing: unknown;
}

/**
 * The inventory's SQL: systems, datasets, personal fields, their purpose bindings and scans. No
 * rule lives here (the services decide what may be written); every method takes the manager of
 * the caller's transaction when it writes or locks, and reads through the pool otherwise.
 * Locks are `FOR UPDATE` on the row that a write changes, taken after the register write lock.
 */
@Injectable()
export class InventoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The pool's manager, for reads outside a transaction. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  // ---------------------------------------------------------------- systems

  systemExists(m: EntityManager, code: string): Promise<boolean> {
    return m.exists(InventorySystemEntity, { where: { code } });
  }

  findSystem(code: string, m: EntityManager = this.manager): Promise<InventorySystemEntity | null> {
    return m.findOne(InventorySystemEntity, { where: { code } });
  }

  lockSystem(m: EntityManager, code: string): Promise<InventorySystemEntity | null> {
    return m.findOne(InventorySystemEntity, { where: { code }, lock: { mode: 'pessimistic_write' } });
  }

  newSystem(m: EntityManager, init: DeepPartial<InventorySystemEntity>): InventorySystemEntity {
    return m.create(InventorySystemEntity, init);
  }

  saveSystem(m: EntityManager, system: InventorySystemEntity): Promise<InventorySystemEntity> {
    return m.save(InventorySystemEntity, system);
  }

  /** Deletes a system and its scans (its datasets are gone already: the service checks). */
  async deleteSystem(m: EntityManager, systemId: string): Promise<void> {
    await m.delete(SystemScanEntity, { systemId });
    await m.delete(InventorySystemEntity, { id: systemId });
  }

  /** Systems by code, each with its number of datasets. */
  async listSystemsWithDatasetCounts(
    m: EntityManager = this.manager,
  ): Promise<{ system: InventorySystemEntity; datasetCount: number }[]> {
    const [systems, datasets] = await Promise.all([
      m.find(InventorySystemEntity, { order: { code: 'ASC' } }),
      m.find(InventoryDatasetEntity, { select: { id: true, systemId: true } }),
    ]);
    return systems.map((system) => ({
      system,
      datasetCount: datasets.filter((d) => d.systemId === system.id).length,
    }));
  }

  findAllSystems(m: EntityManager = this.manager): Promise<InventorySystemEntity[]> {
    return m.find(InventorySystemEntity);
  }

  findSystemById(m: EntityManager, id: string): Promise<InventorySystemEntity> {
    return m.findOneOrFail(InventorySystemEntity, { where: { id } });
  }

  findSystemsByIds(m: EntityManager, ids: string[]): Promise<InventorySystemEntity[]> {
    return m.find(InventorySystemEntity, { where: { id: In(ids) } });
  }

  // ---------------------------------------------------------------- datasets

  countDatasets(m: EntityManager, systemId: string): Promise<number> {
    return m.count(InventoryDatasetEntity, { where: { systemId } });
  }

  datasetExists(m: EntityManager, systemId: string, name: string): Promise<boolean> {
    return m.exists(InventoryDatasetEntity, { where: { systemId, name } });
  }

  findDataset(m: EntityManager, systemId: string, name: string): Promise<InventoryDatasetEntity | null> {
    return m.findOne(InventoryDatasetEntity, { where: { systemId, name } });
  }

  lockDataset(m: EntityManager, systemId: string, name: string): Promise<InventoryDatasetEntity | null> {
    return m.findOne(InventoryDatasetEntity, {
      where: { systemId, name },
      lock: { mode: 'pessimistic_write' },
    });
  }

  insertDataset(
    m: EntityManager,
    init: DeepPartial<InventoryDatasetEntity>,
  ): Promise<InventoryDatasetEntity> {
    return m.save(InventoryDatasetEntity, m.create(InventoryDatasetEntity, init));
  }

  saveDataset(m: EntityManager, dataset: InventoryDatasetEntity): Promise<InventoryDatasetEntity> {
    return m.save(InventoryDatasetEntity, dataset);
  }

  async deleteDataset(m: EntityManager, datasetId: string): Promise<void> {
    await m.delete(InventoryDatasetEntity, { id: datasetId });
  }

  /** Datasets of one system (or all), each with its number of fields. */
  async listDatasetsWithFieldCounts(
    m: EntityManager,
    systemId?: string,
  ): Promise<{ dataset: InventoryDatasetEntity; fieldCount: number }[]> {
    const [datasets, fields] = await Promise.all([
      m.find(InventoryDatasetEntity, { where: systemId ? { systemId } : {} }),
      m.find(PersonalFieldEntity, { select: { id: true, datasetId: true } }),
    ]);
    return datasets.map((dataset) => ({
      dataset,
      fieldCount: fields.filter((f) => f.datasetId === dataset.id).length,
    }));
  }

  findDatasetById(m: EntityManager, id: string): Promise<InventoryDatasetEntity> {
    return m.findOneOrFail(InventoryDatasetEntity, { where: { id } });
  }

  findDatasetsByIds(m: EntityManager, ids: string[]): Promise<InventoryDatasetEntity[]> {
    return m.find(InventoryDatasetEntity, { where: { id: In(ids) } });
  }

  // ---------------------------------------------------------------- fields

  countFields(m: EntityManager, datasetId: string): Promise<number> {
    return m.count(PersonalFieldEntity, { where: { datasetId } });
  }

  fieldExists(m: EntityManager, key: string): Promise<boolean> {
    return m.exists(PersonalFieldEntity, { where: { key } });
  }

  findField(m: EntityManager, key: string): Promise<PersonalFieldEntity | null> {
    return m.findOne(PersonalFieldEntity, { where: { key } });
  }

  lockField(m: EntityManager, key: string): Promise<PersonalFieldEntity | null> {
    return m.findOne(PersonalFieldEntity, { where: { key }, lock: { mode: 'pessimistic_write' } });
  }

  insertField(m: EntityManager, init: DeepPartial<PersonalFieldEntity>): Promise<PersonalFieldEntity> {
    return m.save(PersonalFieldEntity, m.create(PersonalFieldEntity, init));
  }

  saveField(m: EntityManager, field: PersonalFieldEntity): Promise<PersonalFieldEntity> {
    return m.save(PersonalFieldEntity, field);
  }

  async deleteField(m: EntityManager, fieldId: string): Promise<void> {
    await m.delete(PersonalFieldEntity, { id: fieldId });
  }

  /**
   * At most `limit` fields whose key sorts after `after` (null: from the start), by key.
   * COLLATE "C": byte order, the order of the in-memory lists (byString) whatever the locale.
   */
  fieldsAfter(m: EntityManager, after: string | null, limit: number): Promise<PersonalFieldEntity[]> {
    const qb = m.createQueryBuilder(PersonalFieldEntity, 'f');
    if (after !== null) qb.where('f.key COLLATE "C" > :after', { after });
    return qb.orderBy('f.key COLLATE "C"').limit(limit).getMany();
  }

  // ---------------------------------------------------------------- bindings

  bindingsOf(m: EntityManager, fieldId: string): Promise<FieldPurposeEntity[]> {
    return m.find(FieldPurposeEntity, { where: { fieldId } });
  }

  bindingsOfFields(m: EntityManager, fieldIds: string[]): Promise<FieldPurposeEntity[]> {
    return m.find(FieldPurposeEntity, { where: { fieldId: In(fieldIds) } });
  }

  newBinding(m: EntityManager, init: DeepPartial<FieldPurposeEntity>): FieldPurposeEntity {
    return m.create(FieldPurposeEntity, init);
  }

  /** Replaces every binding of a field, and touches the field so its updatedAt says when. */
  async replaceBindings(m: EntityManager, fieldId: string, next: FieldPurposeEntity[]): Promise<void> {
    await m.delete(FieldPurposeEntity, { fieldId });
    if (next.length) await m.save(FieldPurposeEntity, next);
    await m.update(PersonalFieldEntity, { id: fieldId }, { updatedAt: new Date() });
  }

  /** Special-category fields bound to any of `purposeCodes`, in the caller's transaction. */
  async specialFieldsBoundTo(m: EntityManager, purposeCodes: string[]): Promise<SpecialFieldBinding[]> {
    if (purposeCodes.length === 0) return [];
    return m.query<SpecialFieldBinding[]>(
      `SELECT b.purpose_code AS "purposeCode", f.key AS "fieldKey"
         FROM field_purpose b JOIN personal_field f ON f.id = b.field_id
        WHERE f.special AND b.purpose_code = ANY($1::text[])
        ORDER BY b.purpose_code COLLATE "C", f.key COLLATE "C"`,
      [purposeCodes],
    );
  }

  // ---------------------------------------------------------------- whole register and scans

  /** Every row of the inventory. Sequential: m may be a transaction's single connection. */
  async loadRows(m: EntityManager): Promise<InventoryRows> {
    const systems = await m.find(InventorySystemEntity);
    const datasets = await m.find(InventoryDatasetEntity);
    const fields = await m.find(PersonalFieldEntity);
    const bindings = await m.find(FieldPurposeEntity);
    return { systems, datasets, fields, bindings };
  }

  /** Records a scan's findings (in the caller's transaction, with its audit event). */
  async insertScan(m: EntityManager, scan: DeepPartial<SystemScanEntity>): Promise<void> {
    await m.save(SystemScanEntity, m.create(SystemScanEntity, scan));
  }

  /**
   * The last scan of each system, its unregistered columns minus those registered since and its
   * missing fields minus those removed since. Filtered in SQL, with anti-joins on the field key
   * index: no list of field keys is read into memory. Findings keep the scan's order.
   */
  /** Field keys of the NOT NULL columns in each system's last scan. */
  async notNullColumnKeys(m: EntityManager = this.manager): Promise<Set<string>> {
    const rows = await m.query<{ key: string }[]>(
      `SELECT jsonb_array_elements_text(last.not_null) AS key
         FROM (SELECT DISTINCT ON (system_id) not_null FROM system_scan
                ORDER BY system_id, scanned_at DESC, id DESC) last`,
    );
    return new Set(rows.map((r) => r.key));
  }

  lastScanRows(): Promise<LastScanRow[]> {
    return this.manager.query<LastScanRow[]>(
      `WITH last AS (
         SELECT DISTINCT ON (s.system_id) s.system_id, s.scanned_at, s.unregistered, s.missing
           FROM system_scan s
          ORDER BY s.system_id, s.scanned_at DESC, s.id DESC
       )
       SELECT sys.code AS "systemCode", last.scanned_at AS "scannedAt",
              COALESCE((SELECT jsonb_agg(u.col ORDER BY u.ord)
                          FROM jsonb_array_elements(last.unregistered) WITH ORDINALITY AS u(col, ord)
                         WHERE NOT EXISTS (SELECT 1 FROM personal_field f
                                            WHERE f.key = u.col->>'suggestedKey')), '[]'::jsonb)
                AS unregistered,
              COALESCE((SELECT jsonb_agg(x.col ORDER BY x.ord)
                          FROM jsonb_array_elements(last.missing) WITH ORDINALITY AS x(col, ord)
                         WHERE EXISTS (SELECT 1 FROM personal_field f WHERE f.key = x.col->>'key')), '[]'::jsonb)
                AS missing
         FROM last JOIN inventory_system sys ON sys.id = last.system_id
        ORDER BY sys.code COLLATE "C"`,
    );
  }
}
