import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { stringify } from 'csv-stringify/sync';
import { DataSource } from 'typeorm';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import type { Actor } from '../../policies/principal';
import { AUDIT_EVENT_COLUMNS, AuditEventRow, toAuditEventRecord } from './audit-event.mapper';
import type { AuditEventInput, AuditEventRecord } from './audit-event.types';
import { AuditEventNotFound, AuditRangeInvalid, AuditTrailTruncated } from './audit.errors';
import { AuditIntegrityService } from './audit-integrity.service';
import { AuditService, AuditTrailCut } from './audit.service';
import { readBySeqWindows } from './audit-seq-windows';
import { canonicalJson } from './canonical-json';
import {
  AuditEventFilterDto,
  AuditExportFormat,
  ExportAuditEventsQueryDto,
  ListAuditEventsQueryDto,
} from './dto/audit-event-filter.dto';

export interface AuditEventPage {
  items: AuditEventRecord[];
  nextCursor: string | null;
}

export interface AuditExport {
  stream: Readable;
  contentType: string;
  filename: string;
  /** The audit.exported event recorded before the first byte left; null when the trail was cut. */
  exportEvent: AuditEventRecord | null;
  /** Set when the trail refuses appends (cut below a signed checkpoint): the export is unrecorded. */
  truncation: AuditTrailCut | null;
}

const EXPORT_BATCH = 1_000;

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'occurred_at',
  'type',
  'actor_type',
  'actor_id',
  'actor_name',
  'target_type',
  'target_id',
  'purpose_code',
  'subject_ref',
  'payload',
  'request_id',
  'prev_hash',
  'hash',
];

/** Reading the trail: search with keyset pagination, one event, and streaming exports. */
@Injectable()
export class AuditQueryService {
  private readonly logger = new Logger(AuditQueryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly integrity: AuditIntegrityService,
  ) {}

  async list(query: ListAuditEventsQueryDto): Promise<AuditEventPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const descending = (query.order ?? 'desc') === 'desc';
    const params: unknown[] = [];
    const conditions = this.conditions(query, params);
    if (query.cursor) {
      const [afterSeq] = decodeCursor<[number]>(query.cursor, 1);
      params.push(afterSeq);
      conditions.push(`seq ${descending ? '<' : '>'} $${params.length}`);
    }
    params.push(limit + 1);
    const rows = await this.dataSource.query<AuditEventRow[]>(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event ${whereClause(conditions)}
       ORDER BY seq ${descending ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit).map(toAuditEventRecord);
    return {
      items,
      nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].seq]) : null,
    };
  }

  async get(seq: number): Promise<AuditEventRecord> {
    const rows = await this.dataSource.query<AuditEventRow[]>(
      `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event WHERE seq = $1`,
      [seq],
    );
    if (rows.length === 0) throw new AuditEventNotFound(`No audit event with seq ${seq}`);
    return toAuditEventRecord(rows[0]);
  }

  /**
   * Records the export (audit.exported) durably, then streams every matching event up to and
   * including that record, in keyset batches: memory stays constant whatever the size.
   */
  async export(query: ExportAuditEventsQueryDto, actor: Actor): Promise<AuditExport> {
    const format = query.format ?? AuditExportFormat.Ndjson;
    const baseParams: unknown[] = [];
    const conditions = this.conditions(query, baseParams);
    const { subjectId, format: _format, ...filters } = query;
    const recorded = await this.recordUnlessCut({
      type: 'audit.exported',
      actor,
      target: { type: 'audit_trail', id: format },
      payload: {
        format,
        // The subject id is personal data: the record keeps only its keyed hash.
        filters: {
          ...filters,
          ...(subjectId !== undefined ? { subjectRef: this.audit.subjectRef(subjectId) } : {}),
        },
      },
    });
    const exportEvent = recorded.event;
    const upToSeq = recorded.event ? recorded.event.seq : recorded.cut.headSeq;
    // The last seq this export covers (named in the file: `--to-seq` of the verification script).
    const lastSeq = Math.min(query.toSeq ?? upToSeq, upToSeq);
    const dataSource = this.dataSource;
    const batches = readBySeqWindows(
      (lo, hi, limit) => {
        const n = baseParams.length;
        return dataSource.query<AuditEventRow[]>(
          `SELECT ${AUDIT_EVENT_COLUMNS} FROM audit_event
           ${whereClause([...conditions, `seq >= $${n + 1}`, `seq <= $${n + 2}`])}
           ORDER BY seq LIMIT $${n + 3}`,
          [...baseParams, lo, hi, limit],
        );
      },
      query.fromSeq ?? 1,
      lastSeq,
      EXPORT_BATCH,
    );
    async function* lines(): AsyncGenerator<string> {
      if (format === AuditExportFormat.Csv) yield stringify([AUDIT_CSV_COLUMNS]);
      for await (const rows of batches) {
        const records = rows.map(toAuditEventRecord);
        yield format === AuditExportFormat.Csv
          ? stringify(records.map(toCsvRow))
          : records.map((r) => `${JSON.stringify(r)}\n`).join('');
      }
    }
    return {
      stream: Readable.from(lines()),
      contentType: format === AuditExportFormat.Csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      filename: `audit-${stampOf(recorded)}-to-seq-${lastSeq}${cutSuffix(recorded)}.${format}`,
      exportEvent,
      truncation: recorded.event ? null : recorded.cut,
    };
  }

  /**
   * Every signed checkpoint as NDJSON, oldest first (the records of GET /audit/checkpoints, one per
   * line), so that auditors can keep all of them elsewhere: recorded first (audit.checkpoints_exported,
   * durably), then streamed up to the latest checkpoint at that moment in keyset batches.
   */
  async exportCheckpoints(actor: Actor): Promise<AuditExport> {
    const upToId = await this.integrity.lastCheckpointId();
    const recorded = await this.recordUnlessCut({
      type: 'audit.checkpoints_exported',
      actor,
      target: { type: 'audit_checkpoints', id: 'ndjson' },
      payload: { format: 'ndjson', upToId },
    });
    const batches = this.integrity.checkpointsUpTo(upToId);
    async function* lines(): AsyncGenerator<string> {
      for await (const checkpoints of batches) {
        yield checkpoints.map((c) => `${JSON.stringify(c)}\n`).join('');
      }
    }
    return {
      stream: Readable.from(lines()),
      contentType: 'application/x-ndjson',
      filename: `audit-checkpoints-${stampOf(recorded)}-to-id-${upToId}${cutSuffix(recorded)}.ndjson`,
      exportEvent: recorded.event,
      truncation: recorded.event ? null : recorded.cut,
    };
  }

  /**
   * Records an export first, durably, as usual. On a trail cut below a signed checkpoint (which
   * refuses every append) the export is exactly what an auditor needs, so it goes ahead unrecorded
   * up to the head that remains: the file name says so, and the refusal is logged with who asked.
   */
  private async recordUnlessCut(input: AuditEventInput): Promise<RecordedExport> {
    try {
      const event = await this.audit.append(input);
      return { event, cut: null, at: event.occurredAt };
    } catch (error) {
      if (!(error instanceof AuditTrailTruncated)) throw error;
      const cut = error.details as AuditTrailCut;
      this.logger.error(
        { type: input.type, actorId: input.actor.id, ...cut },
        'audit trail cut below a signed checkpoint: export served without its audit record',
      );
      return { event: null, cut, at: new Date().toISOString() };
    }
  }

  /** Parameterised conditions for the shared filters (the subject id is hashed first). */
  private conditions(filter: AuditEventFilterDto & { fromSeq?: number; toSeq?: number }, params: unknown[]) {
    const conditions: string[] = [];
    const add = (sql: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${params.length}`));
    };
    if (filter.from && filter.to && new Date(filter.from) >= new Date(filter.to)) {
      throw new AuditRangeInvalid('from must be before to', { from: filter.from, to: filter.to });
    }
    if (filter.fromSeq !== undefined && filter.toSeq !== undefined && filter.fromSeq > filter.toSeq) {
      throw new AuditRangeInvalid('fromSeq must not be after toSeq', {
        fromSeq: filter.fromSeq,
        toSeq: filter.toSeq,
      });
    }
    if (filter.from) add((p) => `occurred_at >= ${p}`, new Date(filter.from).toISOString());
    if (filter.to) add((p) => `occurred_at < ${p}`, new Date(filter.to).toISOString());
    if (filter.type?.endsWith('.*')) {
      add((p) => `type LIKE ${p}`, `${filter.type.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
    } else if (filter.type) {
      add((p) => `type = ${p}`, filter.type);
    }
    if (filter.actor) add((p) => `actor_id = ${p}`, filter.actor);
    if (filter.purpose) add((p) => `purpose_code = ${p}`, filter.purpose);
    if (filter.subjectId !== undefined)
      add((p) => `subject_ref = ${p}`, this.audit.subjectRef(filter.subjectId));
    if (filter.fromSeq !== undefined) add((p) => `seq >= ${p}`, filter.fromSeq);
    if (filter.toSeq !== undefined) add((p) => `seq <= ${p}`, filter.toSeq);
    return conditions;
  }
}

/** An export's own record, or (trail cut) none and the cut it was served from. */
type RecordedExport =
  { event: AuditEventRecord; cut: null; at: string } | { event: null; cut: AuditTrailCut; at: string };

function stampOf(recorded: RecordedExport): string {
  return recorded.at.replace(/[:.]/g, '-');
}

/** Marks a file taken from a cut trail: `-truncated-below-seq-N` (N: the seq a checkpoint sealed). */
function cutSuffix(recorded: RecordedExport): string {
  return recorded.cut ? `-truncated-below-seq-${recorded.cut.sealedSeq}` : '';
}

function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

function toCsvRow(r: AuditEventRecord): unknown[] {
  return [
    r.seq,
    r.occurredAt,
    r.type,
    r.actor.type,
    r.actor.id,
    r.actor.name,
    r.target?.type ?? '',
    r.target?.id ?? '',
    r.purposeCode ?? '',
    r.subjectRef ?? '',
    canonicalJson(r.payload),
    r.requestId ?? '',
    r.prevHash,
    r.hash,
  ];
}
