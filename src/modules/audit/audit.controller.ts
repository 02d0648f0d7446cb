import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
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
import { AuditIntegrityService } from './audit-integrity.service';
import { AuditExport, AuditQueryService } from './audit-query.service';
import { AuditSeqPipe } from './audit-seq.pipe';
import {
  ExportAuditEventsQueryDto,
  ListAuditEventsQueryDto,
  VerifyAuditQueryDto,
} from './dto/audit-event-filter.dto';
import {
  AuditCheckpointPageDto,
  AuditEventPageDto,
  AuditEventResponseDto,
  AuditPublicKeyResponseDto,
  AuditVerificationResponseDto,
} from './dto/audit.response.dto';
import { PageQueryDto } from '../../common/pagination/cursor';

/** Read-only: auditors and DPOs read, verify and export the trail; nobody writes through the API. */
@ApiErrorResponses()
@ApiTags('audit')
@ApiBearerAuth()
@ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Invalid filter, range, sequence or cursor' })
@Controller('audit')
export class AuditController {
  constructor(
    private readonly query: AuditQueryService,
    private readonly integrity: AuditIntegrityService,
  ) {}

  @Get('events')
  @CheckPolicy(Action.Read, 'AuditEvent')
  @ApiOperation({
    summary: 'Search events (time range, type, actor, purpose, subject id; cursor pagination)',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  list(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    return this.query.list(query);
  }

  @Get('events/:seq')
  @CheckPolicy(Action.Read, 'AuditEvent')
  @ApiOperation({ summary: 'One event by sequence number' })
  @ApiOkResponse({ type: AuditEventResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No event with this sequence number' })
  @ApiParam({ name: 'seq', example: 1042, description: 'Sequence number of the event' })
  get(@Param('seq', AuditSeqPipe) seq: number): Promise<AuditEventResponseDto> {
    return this.query.get(seq);
  }

  @Get('export')
  @CheckPolicy(Action.Export, 'AuditEvent')
  @ApiOperation({
    summary:
      'Stream the trail as NDJSON (verifiable, see docs/audit.md) or CSV; the export is itself audited',
  })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'One event per line, in sequence order, up to the audit.exported event' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'The export could not be recorded' })
  async export(
    @Query() query: ExportAuditEventsQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<StreamableFile> {
    return streamed(await this.query.export(query, actor));
  }

  @Get('verify')
  @CheckPolicy(Action.Read, 'AuditEvent')
  @ApiOperation({
    summary:
      'Walk the hash chain and the signed checkpoints; report the first broken link or OK with the head',
  })
  @ApiOkResponse({ type: AuditVerificationResponseDto })
  verify(@Query() query: VerifyAuditQueryDto): Promise<AuditVerificationResponseDto> {
    return this.integrity.verify(query);
  }

  @Get('checkpoints')
  @CheckPolicy(Action.Read, 'AuditCheckpoint')
  @ApiOperation({ summary: 'Signed checkpoints of the chain head, newest first (keep copies elsewhere)' })
  @ApiOkResponse({ type: AuditCheckpointPageDto })
  checkpoints(@Query() query: PageQueryDto): Promise<AuditCheckpointPageDto> {
    return this.integrity.listCheckpoints(query);
  }

  @Get('checkpoints/export')
  @CheckPolicy(Action.Read, 'AuditCheckpoint')
  @ApiOperation({
    summary:
      'Stream every signed checkpoint as NDJSON, oldest first (for docs/verify-audit-export.mjs); the export is itself audited',
  })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One checkpoint per line, as in GET /audit/checkpoints, oldest first' })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'The export could not be recorded' })
  async exportCheckpoints(@CurrentActor() actor: Actor): Promise<StreamableFile> {
    return streamed(await this.query.exportCheckpoints(actor));
  }

  @Get('public-key')
  @CheckPolicy(Action.Read, 'AuditCheckpoint')
  @ApiOperation({
    summary: 'The Ed25519 public key that verifies checkpoint signatures (keep a copy outside Finalité)',
  })
  @ApiOkResponse({ type: AuditPublicKeyResponseDto })
  publicKey(): AuditPublicKeyResponseDto {
    return this.integrity.publicKey();
  }
}

/**
 * An export as an attachment; a failure mid-stream cuts the connection (never looks complete):
 * Fastify destroys the response when the stream fails after the headers are sent.
 */
function streamed(file: AuditExport): StreamableFile {
  return new StreamableFile(file.stream, {
    type: file.contentType,
    disposition: `attachment; filename="${file.filename}"`,
  });
}
