import { Inject, Injectable, Optional } from '@nestjs/common';
import { PurposesService } from '../../purposes/purposes.service';
import { detectDenialSpikes } from '../builders/access-patterns';
import { GAP_SEVERITY, GapCode, GapSeverity } from '../builders/compliance-gap';
import { collectGaps } from '../builders/gaps.report';
import {
  ACCESS_SOURCE,
  AUDIT_INTEGRITY_SOURCE,
  CONSENT_SOURCE,
  INVENTORY_SOURCE,
  ORGANISATION_SOURCE,
  PROCESSOR_SOURCE,
  RETENTION_SOURCE,
  type AccessSource,
  type AuditIntegritySource,
  type ConsentSource,
  type InventorySource,
  type OrganisationSource,
  type ProcessorSource,
  type RetentionSource,
} from '../report-sources';
import type {
  PostureAccessDto,
  PostureAuditChainDto,
  PostureGapKindDto,
  PostureGapsDto,
  PostureResponseDto,
} from './posture.dto';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_POSTURE_DAYS = 30;
/** Gaps of one kind shown as links on the dashboard; the gaps report lists them all. */
export const POSTURE_EXAMPLES_PER_KIND = 5;
const SEVERITY_ORDER = [GapSeverity.High, GapSeverity.Medium, GapSeverity.Low];

/**
 * The compliance posture for the console's dashboard. Read from the same sources as the reports,
 * but nothing is exported: no document, so no `report.exported` record per page view.
 */
@Injectable()
export class PostureService {
  constructor(
    private readonly purposes: PurposesService,
    @Optional() @Inject(INVENTORY_SOURCE) private readonly inventory?: InventorySource,
    @Optional() @Inject(CONSENT_SOURCE) private readonly consents?: ConsentSource,
    @Optional() @Inject(ACCESS_SOURCE) private readonly access?: AccessSource,
    @Optional() @Inject(RETENTION_SOURCE) private readonly retention?: RetentionSource,
    @Optional() @Inject(AUDIT_INTEGRITY_SOURCE) private readonly integrity?: AuditIntegritySource,
    @Optional() @Inject(ORGANISATION_SOURCE) private readonly organisation?: OrganisationSource,
    @Optional() @Inject(PROCESSOR_SOURCE) private readonly processors?: ProcessorSource,
  ) {}

  async posture(days = DEFAULT_POSTURE_DAYS, now = new Date()): Promise<PostureResponseDto> {
    const period = { from: new Date(now.getTime() - days * DAY_MS), to: now };
    const [gaps, access, auditChain] = await Promise.all([
      this.gaps(period, now),
      this.accessPosture(period),
      this.chain(now),
    ]);
    return {
      generatedAt: now.toISOString(),
      period: { from: period.from.toISOString(), to: period.to.toISOString() },
      gaps,
      access,
      auditChain,
    };
  }

  private async gaps(period: { from: Date; to: Date }, now: Date): Promise<PostureGapsDto> {
    const collected = await collectGaps('en', period, now, await this.purposes.listAll(), {
      inventory: this.inventory ?? null,
      consents: this.consents ?? null,
      access: this.access ?? null,
      retention: this.retention ?? null,
      organisation: this.organisation ?? null,
      processors: this.processors ?? null,
    });
    const kinds = new Map<GapCode, PostureGapKindDto>();
    let total = 0;
    for await (const gap of collected.gaps()) {
      total += 1;
      const kind = kinds.get(gap.code) ?? {
        code: gap.code,
        severity: gap.severity,
        count: 0,
        examples: [],
      };
      kind.count += 1;
      if (kind.examples.length < POSTURE_EXAMPLES_PER_KIND) {
        kind.examples.push({ message: gap.message, link: gap.link, object: gap.object });
      }
      kinds.set(gap.code, kind);
    }
    const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0]));
    for (const k of kinds.values()) bySeverity[k.severity] += k.count;
    return {
      total,
      bySeverity,
      kinds: [...kinds.values()].sort(
        (a, b) =>
          SEVERITY_ORDER.indexOf(GAP_SEVERITY[a.code]) - SEVERITY_ORDER.indexOf(GAP_SEVERITY[b.code]) ||
          b.count - a.count ||
          a.code.localeCompare(b.code),
      ),
      unavailableChecks: collected.unavailable,
    };
  }

  private async accessPosture(period: { from: Date; to: Date }): Promise<PostureAccessDto | null> {
    if (!this.access) return null;
    const length = period.to.getTime() - period.from.getTime();
    const previousFrom = new Date(period.from.getTime() - length);
    const [current, previous, perDay] = await Promise.all([
      this.access.summarise(period.from, period.to),
      this.access.summarise(previousFrom, period.from),
      this.access.perDay(period.from, period.to),
    ]);
    const byOutcome: Record<string, number> = {};
    let total = 0;
    for (const r of current.rows) {
      byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + r.count;
      total += r.count;
    }
    return {
      total,
      byOutcome,
      perDay,
      topDenialReasons: current.topDenialReasons,
      spikes: detectDenialSpikes(current.rows, previous.rows),
    };
  }

  private async chain(now: Date): Promise<PostureAuditChainDto | null> {
    if (!this.integrity) return null;
    const [head, checkpoint] = await Promise.all([this.integrity.head(), this.integrity.latestCheckpoint()]);
    return {
      head,
      lastCheckpoint: checkpoint
        ? {
            seq: checkpoint.seq,
            signedAt: checkpoint.signedAt,
            ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(checkpoint.signedAt)) / 1000)),
          }
        : null,
    };
  }
}
