import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiCodeParam, ApiIfMatchHeader } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { IfMatchVersion } from '../../common/decorators/if-match-version.decorator';
import { PurposeCodePipe } from '../../common/pipes/purpose-code.pipe';
import type { AppAbility } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentAbility, CurrentActor } from '../../policies/request-principal';
import { CreatePurposeDto } from './dto/create-purpose.dto';
import { ListPurposesQueryDto } from './dto/list-purposes.query.dto';
import { PurposeHistoryDto, PurposePageDto, PurposeResponseDto } from './dto/purpose.response.dto';
import { UpdatePurposeDto } from './dto/update-purpose.dto';
import { PurposeQueriesService } from './purpose-queries.service';
import { PurposesService } from './purposes.service';

@ApiErrorResponses()
@ApiTags('purposes')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such purpose (or not visible to the caller)' })
@Controller('purposes')
export class PurposesController {
  constructor(
    private readonly purposes: PurposesService,
    private readonly queries: PurposeQueriesService,
  ) {}

  @Post()
  @CheckPolicy(Action.Create, 'Purpose')
  @ApiOperation({ summary: 'Draft a new purpose' })
  @ApiCreatedResponse({ type: PurposeResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Code already used' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Breaks a register rule' })
  create(@Body() dto: CreatePurposeDto, @CurrentActor() actor: Actor): Promise<PurposeResponseDto> {
    return this.purposes.create(dto, actor);
  }

  @Get()
  @CheckPolicy(Action.Read, 'Purpose')
  @ApiOperation({ summary: 'List purposes (filter by status, legal basis, text; cursor pagination)' })
  @ApiOkResponse({ type: PurposePageDto })
  list(@Query() query: ListPurposesQueryDto, @CurrentAbility() ability: AppAbility): Promise<PurposePageDto> {
    return this.queries.list(query, ability);
  }

  @Get(':code')
  @CheckPolicy(Action.Read, 'Purpose')
  @ApiOperation({ summary: 'Read a purpose with its effective (own or inherited) declaration' })
  @ApiOkResponse({ type: PurposeResponseDto })
  @ApiCodeParam()
  get(
    @Param('code', PurposeCodePipe) code: string,
    @CurrentAbility() ability: AppAbility,
  ): Promise<PurposeResponseDto> {
    return this.queries.get(code, ability);
  }

  @Patch(':code')
  @CheckPolicy(Action.Update, 'Purpose')
  @ApiOperation({
    summary: 'Edit a draft or active purpose (null clears a value; a sub-purpose then inherits it)',
  })
  @ApiIfMatchHeader()
  @ApiOkResponse({ type: PurposeResponseDto })
  @ApiPreconditionFailedResponse({ type: ErrorBodyDto, description: 'If-Match version is stale' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Purpose retired, or parent locked' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Breaks a register rule' })
  @ApiCodeParam()
  update(
    @Param('code', PurposeCodePipe) code: string,
    @Body() dto: UpdatePurposeDto,
    @CurrentActor() actor: Actor,
    @IfMatchVersion() expectedVersion?: number,
  ): Promise<PurposeResponseDto> {
    return this.purposes.update(code, dto, actor, expectedVersion);
  }

  @Post(':code/activate')
  @HttpCode(200)
  @CheckPolicy(Action.Update, 'Purpose')
  @ApiOperation({ summary: 'Activate a draft (needs legal basis, retention, controller, data subjects)' })
  @ApiOkResponse({ type: PurposeResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Not a draft' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Incomplete declaration' })
  @ApiCodeParam()
  activate(
    @Param('code', PurposeCodePipe) code: string,
    @CurrentActor() actor: Actor,
  ): Promise<PurposeResponseDto> {
    return this.purposes.activate(code, actor);
  }

  @Post(':code/retire')
  @HttpCode(200)
  @CheckPolicy(Action.Update, 'Purpose')
  @ApiOperation({ summary: 'Retire an active purpose (stays readable; never deleted)' })
  @ApiOkResponse({ type: PurposeResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Not active, or has active sub-purposes' })
  @ApiCodeParam()
  retire(
    @Param('code', PurposeCodePipe) code: string,
    @CurrentActor() actor: Actor,
  ): Promise<PurposeResponseDto> {
    return this.purposes.retire(code, actor);
  }

  @Delete(':code')
  @HttpCode(204)
  @CheckPolicy(Action.Delete, 'Purpose')
  @ApiOperation({ summary: 'Delete a draft that was never active (its history is kept)' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Was active once, or has sub-purposes' })
  @ApiCodeParam()
  delete(@Param('code', PurposeCodePipe) code: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.purposes.deleteDraft(code, actor);
  }

  @Get(':code/history')
  @CheckPolicy(Action.Read, 'Purpose')
  @ApiOperation({ summary: 'Every version of the purpose, with who changed what and when' })
  @ApiOkResponse({ type: PurposeHistoryDto })
  @ApiCodeParam()
  history(
    @Param('code', PurposeCodePipe) code: string,
    @CurrentAbility() ability: AppAbility,
  ): Promise<PurposeHistoryDto> {
    return this.queries.history(code, ability);
  }
}
