import { applyDecorators, Controller, Get, Query, StreamableFile, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import { ReportQueryDto } from './dto/report-query.dto';
import {
  AccessReportDto,
  GapsReportDto,
  IntegrityReportDto,
  RetentionReportDto,
  RopaReportDto,
} from './dto/report-responses.dto';
import { CONTENT_TYPES, ReportKind, SUPPORTED_FORMATS } from './report.model';
import { ReportDownload, ReportsService } from './reports.service';

/** Swagger for one report route: formats, content types, JSON shape and errors. */
function ReportDocs(kind: ReportKind, summary: string, json: Type<unknown>) {
  const formats = SUPPORTED_FORMATS[kind];
  return applyDecorators(
    ApiOperation({
      summary,
      description:
        `Formats: ${formats.join(', ')}. Streamed; the export is recorded in the audit trail ` +
        '(`report.exported`, with the SHA-256 of the document) once the document is complete.',
    }),
    ApiProduces(...formats.map((f) => CONTENT_TYPES[f].split(';')[0])),
    ApiOkResponse({
      type: json,
      description: 'The document (JSON shape shown; CSV and PDF carry the same content)',
    }),
    ApiBadRequestResponse({
      type: ErrorBodyDto,
      description:
        'Unsupported format (REPORT_FORMAT_UNSUPPORTED, details.supported), bad dates or from > to',
    }),
  );
}

/**
 * Streams the document. Fastify answers a stream that fails before the first byte through the error
 * handler (the one error filter: a JSON error) and cuts one that fails after it.
 */
function toStreamableFile(download: ReportDownload): StreamableFile {
  return new StreamableFile(download.stream, {
    type: download.contentType,
    disposition: `attachment; filename="${download.filename}"`,
  });
}

@ApiErrorResponses()
@ApiTags('reports')
@ApiBearerAuth()
@ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Only dpo and auditor keys may export reports' })
@ApiServiceUnavailableResponse({
  type: ErrorBodyDto,
  description: 'A data source of the report is unavailable',
})
@ApiInternalServerErrorResponse({
  type: ErrorBodyDto,
  description:
    'AUDIT_TRAIL_TRUNCATED (before the first byte): the audit trail was cut below a signed checkpoint, ' +
    'so the download cannot be recorded; the integrity report is served instead, stating the cut',
})
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('ropa')
  @CheckPolicy(Action.Export, 'Report')
  @ReportDocs(
    ReportKind.Ropa,
    'Record of processing activities (art. 30(1)), one entry per active purpose',
    RopaReportDto,
  )
  async ropa(@Query() query: ReportQueryDto, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    return toStreamableFile(await this.reports.export(ReportKind.Ropa, query, actor));
  }

  @Get('gaps')
  @CheckPolicy(Action.Export, 'Report')
  @ReportDocs(
    ReportKind.Gaps,
    'Compliance gaps, each with a severity and a link to the object to fix',
    GapsReportDto,
  )
  async gaps(@Query() query: ReportQueryDto, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    return toStreamableFile(await this.reports.export(ReportKind.Gaps, query, actor));
  }

  @Get('access')
  @CheckPolicy(Action.Export, 'Report')
  @ReportDocs(
    ReportKind.Access,
    'Access decisions by application × purpose × outcome, denial reasons, spikes',
    AccessReportDto,
  )
  async access(@Query() query: ReportQueryDto, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    return toStreamableFile(await this.reports.export(ReportKind.Access, query, actor));
  }

  @Get('retention')
  @CheckPolicy(Action.Export, 'Report')
  @ReportDocs(
    ReportKind.Retention,
    'Retention runs and volumes per system and dataset, failures, overdue data',
    RetentionReportDto,
  )
  async retention(@Query() query: ReportQueryDto, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    return toStreamableFile(await this.reports.export(ReportKind.Retention, query, actor));
  }

  @Get('integrity')
  @CheckPolicy(Action.Export, 'Report')
  @ReportDocs(
    ReportKind.Integrity,
    'Audit trail integrity certificate, re-checkable offline',
    IntegrityReportDto,
  )
  async integrity(@Query() query: ReportQueryDto, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    return toStreamableFile(await this.reports.export(ReportKind.Integrity, query, actor));
  }
}
