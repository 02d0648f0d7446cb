import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ApiIfMatchHeader } from '../../common/decorators/api-params.decorator';
import { IfMatchVersion } from '../../common/decorators/if-match-version.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import {
  CreateProcessorDto,
  ProcessorDeclarationDto,
  ProcessorHistoryDto,
  ProcessorListDto,
  ProcessorResponseDto,
} from './dto/processor.dto';
import { ProcessorsService } from './processors.service';

const ApiProcessorCode = () => ApiParam({ name: 'code', example: 'mailer', description: 'Processor code' });
const RULES =
  'PROCESSOR_RULE_VIOLATED: a mechanism inside the EEA, an adequacy decision the Commission never took, ' +
  'a mechanism without its reference, a review date before the signature';

@ApiErrorResponses()
@ApiTags('processors')
@ApiBearerAuth()
@Controller('processors')
export class ProcessorsController {
  constructor(private readonly processors: ProcessorsService) {}

  @Get()
  @CheckPolicy(Action.Read, 'Processor')
  @ApiOperation({
    summary: 'Every processor (art. 28), with its agreement and its transfers outside the EEA',
  })
  @ApiOkResponse({ type: ProcessorListDto })
  async list(): Promise<ProcessorListDto> {
    return { items: await this.processors.list() };
  }

  @Post()
  @CheckPolicy(Action.Create, 'Processor')
  @ApiOperation({
    summary: 'Declare a processor',
    description: 'Audited as `processor.created`; the first version of its history.',
  })
  @ApiCreatedResponse({ type: ProcessorResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'PROCESSOR_ALREADY_EXISTS' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: RULES })
  create(@Body() dto: CreateProcessorDto, @CurrentActor() actor: Actor): Promise<ProcessorResponseDto> {
    return this.processors.create(dto, actor);
  }

  @Get(':code')
  @CheckPolicy(Action.Read, 'Processor')
  @ApiOperation({ summary: 'One processor' })
  @ApiProcessorCode()
  @ApiOkResponse({ type: ProcessorResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'PROCESSOR_NOT_FOUND' })
  get(@Param('code') code: string): Promise<ProcessorResponseDto> {
    return this.processors.get(code);
  }

  @Put(':code')
  @CheckPolicy(Action.Update, 'Processor')
  @ApiOperation({
    summary: 'Replace a processor’s declaration (agreement, locations, sub-processors)',
    description:
      'The whole declaration: optional parts left out are cleared. Audited as `processor.updated` with ' +
      'the declaration before and after; sending it unchanged records nothing.',
  })
  @ApiProcessorCode()
  @ApiIfMatchHeader()
  @ApiOkResponse({ type: ProcessorResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'PROCESSOR_NOT_FOUND' })
  @ApiPreconditionFailedResponse({ type: ErrorBodyDto, description: 'If-Match version is stale' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: RULES })
  replace(
    @Param('code') code: string,
    @Body() dto: ProcessorDeclarationDto,
    @CurrentActor() actor: Actor,
    @IfMatchVersion() expectedVersion?: number,
  ): Promise<ProcessorResponseDto> {
    return this.processors.replace(code, dto, actor, expectedVersion);
  }

  @Get(':code/history')
  @CheckPolicy(Action.Read, 'Processor')
  @ApiOperation({ summary: 'Every version of the processor, with who changed what and when' })
  @ApiProcessorCode()
  @ApiOkResponse({ type: ProcessorHistoryDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'PROCESSOR_NOT_FOUND' })
  history(@Param('code') code: string): Promise<ProcessorHistoryDto> {
    return this.processors.history(code);
  }
}
