import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import {
  ExportRegisterQueryDto,
  ImportRegisterQueryDto,
  RegisterDocumentDto,
  RegisterImportResultDto,
} from './dto/register.dto';
import { RegisterExportService } from './register-export.service';
import { RegisterImportService } from './register-import.service';

@ApiErrorResponses()
@ApiTags('register')
@ApiBearerAuth()
@Controller('register')
export class RegisterController {
  constructor(
    private readonly registerExport: RegisterExportService,
    private readonly registerImport: RegisterImportService,
  ) {}

  @Get('export')
  @CheckPolicy(Action.Export, 'Register')
  @ApiOperation({
    summary:
      'The whole register (purposes, systems, datasets, fields, bindings) as one YAML or JSON document',
    description: 'Canonical: sorted, nulls left out, no secrets, so it diffs cleanly in git.',
  })
  @ApiProduces('application/yaml', 'application/json')
  @ApiOkResponse({ type: RegisterDocumentDto })
  async export(
    @Query() query: ExportRegisterQueryDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    const { contentType, body } = await this.registerExport.export(query.format);
    res.type(contentType);
    return body;
  }

  @Post('import')
  @HttpCode(200)
  @CheckPolicy(Action.Execute, 'Register')
  @ApiOperation({
    summary: 'Replace the register with a document, all or nothing (dryRun=true: only the diff)',
    description:
      'Validated as a whole: every problem is listed with its path. Purposes absent from the document are ' +
      'retired; systems, datasets and fields absent from it are removed. Secrets are never imported.',
  })
  @ApiConsumes('application/yaml', 'application/json')
  @ApiBody({ type: RegisterDocumentDto })
  @ApiOkResponse({ type: RegisterImportResultDto })
  @ApiBadRequestResponse({
    type: ErrorBodyDto,
    description:
      'REGISTER_MALFORMED: not YAML / JSON, or YAML past its bounds (depth 64, 250,000 nodes, 100 aliases), ' +
      'a tag, a merge key, a self-containing node, or a prototype key',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: 'REGISTER_TOO_LARGE: YAML over 4 MiB' })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'REGISTER_INVALID: details lists every { path, message }; nothing was written',
  })
  import(
    @Body() body: unknown,
    @Query() query: ImportRegisterQueryDto,
    @CurrentActor() actor: Actor,
  ): Promise<RegisterImportResultDto> {
    return this.registerImport.import(body, query.dryRun ?? false, actor);
  }
}
