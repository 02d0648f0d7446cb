import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { SYSTEM_ABILITY } from '../../policies/ability.factory';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import type { ScanResultDto, ScanSystemDto } from './dto/scan.dto';
import { CatalogueColumn, PostgresCatalogueReader } from './catalogue-reader';
import { MysqlCatalogueReader } from './mysql-catalogue-reader';
import type { MissingColumn, UnregisteredColumn } from './entities/system-scan.entity';
import { SystemNotScannable } from './inventory.errors';
import { InventoryRepository } from './inventory.repository';
import { byString } from './inventory.mapper';
import { fieldKeyOf, splitDatasetName, SystemKind } from './inventory.model';
import { DatasetsService } from './datasets.service';
import { InventoryReadModel } from './inventory-read-model.service';
import { SystemsService } from './systems.service';
import { guessPersonalData, suggestedFieldKey } from './personal-data-guess';

/**
 * Reads the catalogue of a postgres or mysql system (read-only transaction, short timeouts) and compares it
 * with the register: the columns nobody registered, with a guess of likely personal data, are the
 * DPO's to-do list. Results are persisted so the compliance report can show the last findings.
 */
@Injectable()
export class SystemScanService {
  /** One catalogue reader per database kind (pg_catalog, information_schema). */
  private readonly catalogues: Record<
    string,
    { read: (code: string, url: string, schemas?: string[]) => Promise<CatalogueColumn[]> }
  > = {
    [SystemKind.Postgres]: new PostgresCatalogueReader(),
    [SystemKind.Mysql]: new MysqlCatalogueReader(),
  };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: InventoryRepository,
    private readonly systems: SystemsService,
    private readonly datasets: DatasetsService,
    private readonly readModel: InventoryReadModel,
    private readonly audit: AuditService,
  ) {}

  async scan(code: string, dto: ScanSystemDto, actor: Actor): Promise<ScanResultDto> {
    const { system, connectionString } = await this.systems.connectionStringOf(code);
    const catalogue = this.catalogues[system.kind];
    if (!catalogue) {
      throw new SystemNotScannable(
        `System "${code}" is a ${system.kind} system: only postgres and mysql systems can be scanned`,
      );
    }
    if (!connectionString) {
      throw new SystemNotScannable(
        `System "${code}" has no connection string; set one with PATCH /systems/${code}`,
      );
    }
    const columns = await catalogue.read(code, connectionString, dto.schemas);
    const datasets = (await this.datasets.listDatasets(code)).map((d) => d.name);
    // Without `schemas`: every schema the database has, and every schema the register expects
    // (a dropped or emptied schema lists no column, yet its registered fields are missing).
    const schemas =
      dto.schemas ??
      [
        ...new Set([
          ...columns.map((c) => c.table_schema),
          ...datasets.map((d) => splitDatasetName(d).schema),
        ]),
      ].sort(byString);

    const fields = await this.readModel.listAllFields({ system: code }, SYSTEM_ABILITY);
    const registered = new Set(fields.map((f) => f.key));
    const present = new Set<string>();
    const notNull: string[] = [];
    const found: { sortKey: string; column: UnregisteredColumn }[] = [];
    for (const c of columns) {
      const dataset = `${c.table_schema}.${c.table_name}`;
      const key = fieldKeyOf(code, dataset, c.column_name);
      // A name outside the register's identifier alphabet cannot become a field: no key is suggested,
      // and its raw key (which may collide with a real one, e.g. a column named "a.b") matches nothing.
      const suggestedKey = suggestedFieldKey(code, c.table_schema, c.table_name, c.column_name);
      if (suggestedKey !== null) {
        present.add(key);
        if (c.not_null) notNull.push(suggestedKey);
        if (registered.has(key)) continue;
      }
      found.push({
        sortKey: key,
        column: {
          schema: c.table_schema,
          table: c.table_name,
          column: c.column_name,
          dataType: c.data_type,
          dataset: datasets.includes(dataset) ? dataset : null,
          suggestedKey,
          registrable: suggestedKey !== null,
          ...guessPersonalData(c.column_name, c.data_type),
        },
      });
    }
    const unregistered = found
      .sort(
        (a, b) =>
          Number(b.column.likelyPersonal) - Number(a.column.likelyPersonal) || byString(a.sortKey, b.sortKey),
      )
      .map((f) => f.column);
    const missing: MissingColumn[] = fields
      .filter((f) => schemas.includes(splitDatasetName(f.dataset).schema) && !present.has(f.key))
      .map((f) => ({ key: f.key, dataset: f.dataset, column: f.column }));

    const scannedAt = new Date();
    await inTransaction(this.dataSource, async (m) => {
      await this.repository.insertScan(m, {
        systemId: system.id,
        scannedAt,
        scannedBy: actor.id,
        schemas,
        columnCount: columns.length,
        unregistered,
        missing,
        notNull,
      });
      // Counts only: column names are not personal data, but the trail needs no more than this.
      await this.audit.recordInTransaction(m, {
        type: 'system.scanned',
        actor,
        target: { type: 'system', id: code },
        payload: {
          schemas,
          columnCount: columns.length,
          unregistered: unregistered.length,
          likelyPersonal: unregistered.filter((u) => u.likelyPersonal).length,
          missing: missing.length,
        },
      });
    });
    return {
      systemCode: code,
      scannedAt,
      schemas,
      columnCount: columns.length,
      registeredCount: columns.length - unregistered.length,
      unregistered,
      missing,
    };
  }
}
