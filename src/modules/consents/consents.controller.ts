import { Readable } from 'node:stream';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Req,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import type { AppAbility } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentAbility, CurrentActor } from '../../policies/request-principal';
import { IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from './consent-import';
import { ConsentsService } from './consents.service';
import { ConsentImportResultDto, ConsentRecordDto, SubjectConsentsDto } from './dto/consent.response.dto';
import { RecordConsentDto } from './dto/record-consent.dto';
import { SubjectIdPipe } from './subject-id.pipe';

const SUBJECT_PARAM = {
  name: 'subjectId',
  example: 'customer-42',
  description: 'Data subject id as known to the calling systems (1–200 printable characters)',
};

@ApiErrorResponses()
@ApiTags('consents')
@ApiBearerAuth()
@Controller()
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Post('subjects/:subjectId/consents')
  @CheckPolicy(Action.Create, 'Consent')
  @ApiOperation({
    summary: 'Grant or withdraw consent to one purpose (withdrawal takes effect at once, art. 7(3))',
  })
  @ApiParam(SUBJECT_PARAM)
  @ApiCreatedResponse({ type: ConsentRecordDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Application not authorised for the purpose' })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Unknown purpose, not consent-based, not active, bad version, proof too large',
  })
  record(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @Body() dto: RecordConsentDto,
    @CurrentActor() actor: Actor,
    @CurrentAbility() ability: AppAbility,
  ): Promise<ConsentRecordDto> {
    return this.consents.record(subjectId, dto, actor, ability);
  }

  @Get('subjects/:subjectId/consents')
  @CheckPolicy(Action.Read, 'Consent')
  @ApiOperation({
    summary: "A subject's current consent per purpose and full history",
    description: 'An application sees only the purposes it is authorised for; others are left out.',
  })
  @ApiParam(SUBJECT_PARAM)
  @ApiOkResponse({ type: SubjectConsentsDto })
  list(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @CurrentAbility() ability: AppAbility,
  ): Promise<SubjectConsentsDto> {
    return this.consents.forSubject(subjectId, ability);
  }

  @Post('consents/import')
  @HttpCode(200)
  @CheckPolicy(Action.Create, 'Consent')
  @ApiOperation({
    summary: 'Bulk import consent events (NDJSON, one object per line), all or nothing',
    description:
      `Each line is validated like POST /subjects/{subjectId}/consents plus \`subjectId\`. If any line is ` +
      `invalid nothing is imported and the 422 lists the bad lines (\`details.errors[].line\`). ` +
      `Send \`application/x-ndjson\` or \`application/octet-stream\` (both streamed, up to ` +
      `${IMPORT_MAX_BYTES} bytes); at most ${IMPORT_MAX_ROWS} rows per import.`,
  })
  @ApiConsumes('application/x-ndjson', 'application/octet-stream')
  @ApiBody({
    schema: {
      type: 'string',
      example:
        '{"subjectId":"customer-42","purpose":"marketing.newsletter","status":"granted","source":"shop","occurredAt":"2025-01-02T10:00:00Z"}\n' +
        '{"subjectId":"customer-43","purpose":"marketing.newsletter","status":"withdrawn","source":"shop"}\n',
    },
  })
  @ApiOkResponse({ type: ConsentImportResultDto })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Invalid lines, with their numbers' })
  @ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: 'Too many rows or bytes' })
  import(
    @Req() req: FastifyRequest,
    @CurrentActor() actor: Actor,
    @CurrentAbility() ability: AppAbility,
  ): Promise<ConsentImportResultDto> {
    return this.consents.import(ndjsonBody(req), actor, ability);
  }
}

/** The NDJSON body as a stream: no body parser reads these types, so it is still unread. */
function ndjsonBody(req: FastifyRequest): Readable {
  const type = req.headers['content-type'] ?? '';
  const streamed = /^application\/(x-ndjson|octet-stream)\b/i.test(type);
  if (req.body === undefined && streamed && req.raw.readable) return req.raw;
  throw new UnsupportedMediaTypeException(
    'Send the import as application/x-ndjson (or application/octet-stream to stream a large file)',
  );
}
