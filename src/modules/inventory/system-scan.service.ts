import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { inTransaction } from '../../database/transaction';
import { SYSTEM_ABILITY } from '../../policies/ability.factory';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import type { ScanResultDto, ScanSystemDto } from './dto/scan.dto';
import { MissingColumn, SystemScanEntity, UnregisteredColumn } from './entities/system-scan.entity';
import { SystemNotScannable, SystemUnreachable } from './inventory.errors';
import { byString } from './inventory.mapper';
import { fieldKeyOf, splitDatasetName, SystemKind } from './inventory.model';
import { DatasetsService } from './datasets.service';
import { InventoryReadModel } from './inventory-read-model.service';
import { SystemsService } from './systems.service';
import { guessPersonalData, suggestedFieldKey } from './personal-data-guess';

/** Kept short: a scan is interactive, and a hung customer database must not hold a request. */
const CONNECT_TIMEOUT_MS = 5_000;
const STATEMENT_TIMEOUT_MS = 15_000;

interface CatalogueColumn {
  table_schema: string;
  table_name: string;
  column_name: string;
  data_type: string;
}

/**
 * Reads the catalogue of a postgres system (read-only transaction, short timeouts) and compares it
 * with the register: the columns nobody registered, with a guess of likely personal data, are the
 * DPO's to-do list. Results are persisted so the compliance report can show the last findings.
 */
@Injectable()
export class SystemScanService {
  private readonly logger = new Logger(SystemScanService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly systems: SystemsService,
    private readonly datasets: DatasetsService,
    private readonly readModel: InventoryReadModel,
    private readonly audit: AuditService,
  ) {}

  async scan(code: string, dto: ScanSystemDto, actor: Actor): Promise<ScanResultDto> {
    const { system, connectionString } = await this.systems.connectionStringOf(code);
    if (system.kind !== SystemKind.Postgres) {
      throw new SystemNotScannable(
        `System "${code}" is a ${system.kind} system: only postgres systems can be scanned`,
      );
    }
    if (!connectionString) {
      throw new SystemNotScannable(
        `System "${code}" has no connection string; set one with PATCH /systems/${code}`,
      );
    }
    const columns = await this.readCatalogue(code, connectionString, dto.schemas);
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
    const found: { sortKey: string; column: UnregisteredColumn }[] = [];
    for (const c of columns) {
      const dataset = `${c.table_schema}.${c.table_name}`;
      const key = fieldKeyOf(code, dataset, c.column_name);
      // A name outside the register's identifier alphabet cannot become a field: no key is suggested,
      // and its raw key (which may collide with a real one, e.g. a column named "a.b") matches nothing.
      const suggestedKey = suggestedFieldKey(code, c.table_schema, c.table_name, c.column_name);
      if (suggestedKey !== null) {
        present.add(key);
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
          ...guessPersonalData(c.column_name),
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
      await m.save(
        SystemScanEntity,
        m.create(SystemScanEntity, {
          systemId: system.id,
          scannedAt,
          scannedBy: actor.id,
          schemas,
          columnCount: columns.length,
          unregistered,
          missing,
        }),
      );
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

  private async readCatalogue(
    code: string,
    connectionString: string,
    schemas?: string[],
  ): Promise<CatalogueColumn[]> {
    const client = new Client({
      connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS,
      application_name: 'finalite-scan',
    });
    // A connection error after connect() would otherwise be an unhandled 'error' event.
    client.on('error', (err) =>
      this.logger.warn({ system: code, code: (err as { code?: string }).code }, 'scan connection error'),
    );
    try {
      await client.connect();
      await client.query('BEGIN TRANSACTION READ ONLY');
      // pg_catalog, not information_schema: information_schema.columns lists only the columns the
      // connecting role holds a privilege on (a least-privilege scan role would miss tables), and
      // lists view columns too. Tables and partitioned tables only; a partition's columns are its
      // parent's (registered under the parent's name). Dropped columns keep a pg_attribute row.
      const result = await client.query<CatalogueColumn>(
        `SELECT n.nspname AS table_schema, c.relname AS table_name, a.attname AS column_name,
                pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition
            AND a.attnum > 0 AND NOT a.attisdropped
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
          ORDER BY n.nspname, c.relname, a.attnum`,
        [schemas ?? null],
      );
      await client.query('COMMIT');
      return result.rows;
    } catch (err) {
      const reason = describeConnectionError(err);
      this.logger.warn({ system: code, reason }, 'scan failed');
      throw new SystemUnreachable(`Could not read the catalogue of system "${code}": ${reason}`, {
        system: code,
        reason,
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A reason safe to show: never the connection string, never a password. */
function describeConnectionError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case '28P01':
    case '28000':
      return 'authentication failed';
    case '3D000':
      return 'database does not exist';
    case '57014':
      return 'the catalogue query timed out';
    default:
      return /timeout/i.test(e.message ?? '')
        ? 'connection timed out'
        : `database error ${e.code ?? 'unknown'}`;
  }
}
