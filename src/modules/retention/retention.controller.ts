import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiUuidParam } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy, Public } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import {
  CallbackAcceptedDto,
  CompleteManualTaskDto,
  ListManualTasksQueryDto,
  ManualTaskListDto,
  ManualTaskResponseDto,
  WebhookCallbackDto,
} from './dto/executor-callbacks.dto';
import {
  CreateRetentionRunDto,
  ListRetentionRunsQueryDto,
  OverdueResponseDto,
  RetentionRulesQueryDto,
  RetentionRulesResponseDto,
  RetentionRunPageDto,
  RetentionRunResponseDto,
} from './dto/retention-run.dto';
import { RetentionService } from './retention.service';

@ApiErrorResponses()
@ApiTags('retention')
@ApiBearerAuth()
@Controller('retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Post('runs')
  @HttpCode(202)
  @CheckPolicy(Action.Execute, 'RetentionRun')
  @ApiOperation({
    summary: 'Start a retention run (or a dry run) over every system, one system or one dataset',
  })
  @ApiAcceptedResponse({
    type: RetentionRunResponseDto,
    description: 'Queued; follow it with GET /retention/runs/{id}',
  })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such system or dataset' })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'A purge of one of these datasets is in progress' })
  async create(
    @Body() dto: CreateRetentionRunDto,
    @CurrentActor() actor: Actor,
  ): Promise<RetentionRunResponseDto> {
    return (await this.retention.createRun(dto, actor))!;
  }

  @Get('runs')
  @CheckPolicy(Action.Read, 'RetentionRun')
  @ApiOperation({ summary: 'Retention runs, newest first' })
  @ApiOkResponse({ type: RetentionRunPageDto })
  list(@Query() query: ListRetentionRunsQueryDto): Promise<RetentionRunPageDto> {
    return this.retention.list(query);
  }

  @Get('runs/:id')
  @CheckPolicy(Action.Read, 'RetentionRun')
  @ApiOperation({
    summary: 'A run: status and, per dataset, rows scanned, deleted, anonymised, held, errors',
  })
  @ApiOkResponse({ type: RetentionRunResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiUuidParam('id', '2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d', 'Retention run id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<RetentionRunResponseDto> {
    return this.retention.get(id);
  }

  @Post('runs/:id/cancel')
  @HttpCode(200)
  @CheckPolicy(Action.Update, 'RetentionRun')
  @ApiOperation({ summary: 'Cancel a run (a running purge stops after its current batch)' })
  @ApiOkResponse({ type: RetentionRunResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already finished' })
  @ApiUuidParam('id', '2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d', 'Retention run id')
  cancel(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<RetentionRunResponseDto> {
    return this.retention.cancel(id, actor);
  }

  @Get('overdue')
  @CheckPolicy(Action.Read, 'RetentionRun')
  @ApiOperation({ summary: 'What is due now per dataset, and how long overdue' })
  @ApiOkResponse({ type: OverdueResponseDto })
  overdue(): Promise<OverdueResponseDto> {
    return this.retention.overdue();
  }

  @Get('rules')
  @CheckPolicy(Action.Read, 'RetentionRun')
  @ApiOperation({ summary: 'The effective retention rule of every personal field, in plain words' })
  @ApiOkResponse({ type: RetentionRulesResponseDto })
  async rules(@Query() query: RetentionRulesQueryDto): Promise<RetentionRulesResponseDto> {
    return { items: await this.retention.describeRules(query) };
  }

  @Get('tasks')
  @CheckPolicy(Action.Read, 'ManualTask')
  @ApiOperation({ summary: 'Manual purge tasks (systems Finalité cannot reach)' })
  @ApiOkResponse({ type: ManualTaskListDto })
  async tasks(@Query() query: ListManualTasksQueryDto): Promise<ManualTaskListDto> {
    return { items: await this.retention.listTasks(query) };
  }

  @Post('tasks/:id/complete')
  @HttpCode(200)
  @CheckPolicy(Action.Update, 'ManualTask')
  @ApiOperation({ summary: 'Report a manual purge as done, with its counts' })
  @ApiOkResponse({ type: ManualTaskResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Task already closed' })
  @ApiUuidParam('id', '8e0c2a4f-6b1d-4e3a-9c5f-7a9b1d3e5f70', 'Manual task id')
  completeTask(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CompleteManualTaskDto,
    @CurrentActor() actor: Actor,
  ): Promise<ManualTaskResponseDto> {
    return this.retention.completeTask(id, dto, actor);
  }

  /**
   * Called by a webhook system once it has purged. No API key: the one-time token sent in the
   * signed webhook authenticates the call (only its hash is stored; it works once).
   */
  @Post('callbacks/:token')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Webhook system confirms a purge (authenticated by the one-time token it received)',
  })
  @ApiParam({ name: 'token', example: 'q9Vb1y0T3n2m8kQpZrXcW5aL7dE4fH6jK1sU0oI9gYw' })
  @ApiOkResponse({ type: CallbackAcceptedDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Unknown or already used token' })
  async callback(
    @Param('token') token: string,
    @Body() dto: WebhookCallbackDto,
  ): Promise<CallbackAcceptedDto> {
    await this.retention.acceptCallback(token, dto);
    return { accepted: true };
  }
}
