import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { pipeline, Readable } from 'node:stream';
import type { Actor } from '../../policies/principal';
import { AuditService, AuditTrailCut, truncatedError } from '../audit/audit.service';
import { PurposesService } from '../purposes/purposes.service';
import { prepareAccess } from './builders/access.report';
import { prepareGaps } from './builders/gaps.report';
import { prepareIntegrity } from './builders/integrity.report';
import { PreparedReport, ReportContext } from './builders/report-context';
import { prepareRetention } from './builders/retention.report';
import { prepareRopa } from './builders/ropa.report';
import type { ReportQueryDto } from './dto/report-query.dto';
import { DigestStream } from './render/digest-stream';
import { labelsFor } from './render/labels';
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
} from './report-sources';
import {
  CONTENT_TYPES,
  csvDelimiter,
  isPeriodProblem,
  reportFilename,
  ReportFormat,
  ReportKind,
  resolvePeriod,
  type RopaLayout,
  SUPPORTED_FORMATS,
} from './report.model';
import { ReportFormatUnsupported, ReportPeriodInvalid, ReportSourceUnavailable } from './reports.errors';

/** A document ready to stream: the body (hashed and audited as it goes) and how to present it. */
export interface ReportDownload {
  stream: Readable;
  contentType: string;
  filename: string;
}

const UNRECORDED =
  'audit trail cut below a signed checkpoint: integrity report served without its audit record';

/** Reports that cover a period (the others describe the register as it is now). */
const PERIOD_REPORTS = new Set([ReportKind.Gaps, ReportKind.Access, ReportKind.Retention]);

/**
 * Builds compliance reports from the other modules' exported services and streams them. Every
 * complete download is recorded in the audit trail with the SHA-256 of the bytes sent.
 */
@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);

  constructor(
    private readonly audit: AuditService,
    private readonly purposes: PurposesService,
    @Optional() @Inject(INVENTORY_SOURCE) private readonly inventory?: InventorySource,
    @Optional() @Inject(CONSENT_SOURCE) private readonly consents?: ConsentSource,
    @Optional() @Inject(ACCESS_SOURCE) private readonly access?: AccessSource,
    @Optional() @Inject(RETENTION_SOURCE) private readonly retention?: RetentionSource,
    @Optional() @Inject(AUDIT_INTEGRITY_SOURCE) private readonly integrity?: AuditIntegritySource,
    @Optional() @Inject(ORGANISATION_SOURCE) private readonly organisation?: OrganisationSource,
    @Optional() @Inject(PROCESSOR_SOURCE) private readonly processors?: ProcessorSource,
  ) {}

  async export(kind: ReportKind, query: ReportQueryDto, actor: Actor): Promise<ReportDownload> {
    const format = query.format ?? ReportFormat.Json;
    const supported = SUPPORTED_FORMATS[kind];
    if (!supported.includes(format)) {
      throw new ReportFormatUnsupported(
        `The ${kind} report is available as ${supported.join(', ')}, not ${format}`,
        { supported },
      );
    }
    if (query.layout === 'cnil' && !(kind === ReportKind.Ropa && format === ReportFormat.Pdf)) {
      throw new ReportFormatUnsupported(
        'layout=cnil applies to the record of processing as a PDF (format=pdf); its xlsx is always in that layout',
        { supported },
      );
    }
    // The CNIL model's layouts are French documents first (a French DPO hands them to the CNIL);
    // every other report keeps English as its default.
    const cnilLayout = format === ReportFormat.Xlsx || query.layout === 'cnil';
    const lang = query.lang ?? (cnilLayout ? 'fr' : 'en');
    const generatedAt = new Date();
    const period = resolvePeriod(query.from, query.to, generatedAt);
    if (isPeriodProblem(period)) throw new ReportPeriodInvalid(period.message, [period]);
    // The record follows the download, so a trail that refuses appends (cut below a signed
    // checkpoint) must be found before the first byte: a report answers AUDIT_TRAIL_TRUNCATED
    // then, except the integrity certificate, which is what must be read at that moment: it is
    // served unrecorded and says so (docs/audit.md, "After a cut or a forgery").
    const cut = await this.audit.truncation();
    if (cut && kind !== ReportKind.Integrity) throw truncatedError(cut);

    const ctx: ReportContext = {
      kind,
      format,
      lang,
      labels: labelsFor(lang),
      period: PERIOD_REPORTS.has(kind) ? period : null,
      generatedAt,
      delimiter: csvDelimiter(query.sep, lang),
      chainHead: this.integrity ? await this.integrity.head() : null,
    };
    const prepared = await this.prepare(ctx, cut, query.layout ?? 'standard');

    const digest = new DigestStream(async (sha256, bytes) => {
      if (cut) {
        this.logger.error({ report: kind, actorId: actor.id, sha256, ...cut }, UNRECORDED);
        return;
      }
      // The record follows the download: it names exactly the bytes the caller received.
      await this.audit.append({
        type: 'report.exported',
        actor,
        target: { type: 'report', id: kind },
        payload: {
          report: kind,
          format,
          lang,
          from: ctx.period?.from.toISOString() ?? null,
          to: ctx.period?.to.toISOString() ?? null,
          sha256,
          bytes,
        },
      });
    });
    // A failure part-way (source or audit) errors the returned stream; nothing is recorded.
    pipeline(prepared.render(format), digest, () => undefined);
    return {
      stream: digest,
      contentType: CONTENT_TYPES[format],
      filename: reportFilename(kind, format, generatedAt),
    };
  }

  private async prepare(
    ctx: ReportContext,
    cut: AuditTrailCut | null,
    layout: RopaLayout,
  ): Promise<PreparedReport> {
    switch (ctx.kind) {
      case ReportKind.Ropa:
        return prepareRopa(
          ctx,
          await this.purposes.listAll(),
          this.inventory ?? null,
          this.organisation ?? null,
          this.processors ?? null,
          layout,
        );
      case ReportKind.Gaps:
        return prepareGaps(ctx, await this.purposes.listAll(), {
          inventory: this.inventory ?? null,
          consents: this.consents ?? null,
          access: this.access ?? null,
          retention: this.retention ?? null,
          organisation: this.organisation ?? null,
          processors: this.processors ?? null,
        });
      case ReportKind.Access:
        return prepareAccess(ctx, this.required(this.access, 'access decisions'));
      case ReportKind.Retention:
        return prepareRetention(ctx, this.required(this.retention, 'retention'));
      case ReportKind.Integrity:
        return prepareIntegrity(ctx, this.required(this.integrity, 'audit verification'), cut);
    }
  }

  private required<T>(source: T | undefined, what: string): T {
    if (!source) throw new ReportSourceUnavailable(`The ${what} module is not available in this deployment`);
    return source;
  }
}
