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
import { InventoryService } from './inventory.service';
import { guessPersonalData } from './personal-data-guess';

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
    private readonly inventory: InventoryService,
    private readonly audit: AuditService,
  ) {}

  async scan(code: string, dto: ScanSystemDto, actor: Actor): Promise<ScanResultDto> {
    const { system, connectionString } = await this.inventory.connectionStringOf(code);
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
    const schemas = dto.schemas ?? [...new Set(columns.map((c) => c.table_schema))].sort();

    const datasets = (await this.inventory.listDatasets(code)).map((d) => d.name);
    const registered = new Set(
      (await this.inventory.listAllFields({ system: code }, SYSTEM_ABILITY)).map((f) => f.key),
    );
    const present = new Set<string>();
    const unregistered: UnregisteredColumn[] = [];
    for (const c of columns) {
      const dataset = `${c.table_schema}.${c.table_name}`;
      const key = fieldKeyOf(code, dataset, c.column_name);
      present.add(key);
      if (registered.has(key)) continue;
      unregistered.push({
        schema: c.table_schema,
        table: c.table_name,
        column: c.column_name,
        dataType: c.data_type,
        dataset: datasets.includes(dataset) ? dataset : null,
        suggestedKey: key,
        ...guessPersonalData(c.column_name),
      });
    }
    unregistered.sort(
      (a, b) =>
        Number(b.likelyPersonal) - Number(a.likelyPersonal) || byString(a.suggestedKey, b.suggestedKey),
    );
    const missing: MissingColumn[] = (await this.inventory.listAllFields({ system: code }, SYSTEM_ABILITY))
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
      const result = await client.query<CatalogueColumn>(
        `SELECT table_schema, table_name, column_name, data_type
           FROM information_schema.columns
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
            AND table_schema NOT LIKE 'pg\\_toast%' AND table_schema NOT LIKE 'pg\\_temp%'
            AND ($1::text[] IS NULL OR table_schema = ANY($1::text[]))
          ORDER BY table_schema, table_name, ordinal_position`,
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
