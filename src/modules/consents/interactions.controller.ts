import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import {
  ImportInteractionsDto,
  InteractionImportResultDto,
  InteractionRecordDto,
  RecordInteractionDto,
} from './dto/interaction.dto';
import { INTERACTIONS_PER_IMPORT } from './interaction.model';
import { InteractionsService } from './interactions.service';
import { SubjectIdPipe } from './subject-id.pipe';

const RESTARTS =
  'It restarts, for this subject, the clock of every purpose whose retention runs from the last ' +
  'interaction (`trigger: last_interaction`), in the purge and in the overdue view. Record only ' +
  'contacts coming from the subject (the CNIL counts "from the last contact coming from the prospect").';

@ApiErrorResponses()
@ApiTags('consents')
@ApiBearerAuth()
@Controller()
export class InteractionsController {
  constructor(private readonly interactions: InteractionsService) {}

  @Post('subjects/:subjectId/interactions')
  @CheckPolicy(Action.Create, 'Interaction')
  @ApiOperation({ summary: 'Record a contact that came from the subject', description: RESTARTS })
  @ApiParam({ name: 'subjectId', example: 'customer-42', description: 'Data subject id' })
  @ApiCreatedResponse({ type: InteractionRecordDto })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'occurredAt in the future' })
  record(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @Body() dto: RecordInteractionDto,
    @CurrentActor() actor: Actor,
  ): Promise<InteractionRecordDto> {
    return this.interactions.record(subjectId, dto, actor);
  }

  @Post('interactions/import')
  @HttpCode(200)
  @CheckPolicy(Action.Create, 'Interaction')
  @ApiOperation({
    summary: `Record up to ${INTERACTIONS_PER_IMPORT} contacts of several subjects, all or nothing`,
    description: RESTARTS,
  })
  @ApiOkResponse({ type: InteractionImportResultDto })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'An occurredAt in the future' })
  import(
    @Body() dto: ImportInteractionsDto,
    @CurrentActor() actor: Actor,
  ): Promise<InteractionImportResultDto> {
    return this.interactions.import(dto.interactions, actor);
  }
}
