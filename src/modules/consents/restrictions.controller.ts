import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiUuidParam } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import type { AppAbility } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentAbility, CurrentActor } from '../../policies/request-principal';
import {
  CreateRestrictionDto,
  LiftRestrictionDto,
  RestrictionResponseDto,
  SubjectRestrictionsDto,
} from './dto/restriction.dto';
import { RestrictionsService } from './restrictions.service';
import { SubjectIdPipe } from './subject-id.pipe';

const SUBJECT_PARAM = { name: 'subjectId', example: 'customer-42', description: 'Data subject id' };

@ApiErrorResponses()
@ApiTags('consents')
@ApiBearerAuth()
@Controller('subjects/:subjectId/restrictions')
export class RestrictionsController {
  constructor(private readonly restrictions: RestrictionsService) {}

  @Post()
  @CheckPolicy(Action.Create, 'Restriction')
  @ApiOperation({
    summary: 'Restrict (art. 18) or record an objection (art. 21): no use but storage until lifted',
  })
  @ApiParam(SUBJECT_PARAM)
  @ApiCreatedResponse({ type: RestrictionResponseDto })
  @ApiForbiddenResponse({
    type: ErrorBodyDto,
    description:
      'An application naming a purpose it is not authorised for (RESTRICTION_PURPOSE_NOT_AUTHORISED, whether ' +
      'the purpose exists or not), or omitting purposes (RESTRICTION_PURPOSES_REQUIRED: only a DPO restricts all)',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Unknown purpose' })
  set(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @Body() dto: CreateRestrictionDto,
    @CurrentActor() actor: Actor,
    @CurrentAbility() ability: AppAbility,
  ): Promise<RestrictionResponseDto> {
    return this.restrictions.set(subjectId, dto, actor, ability);
  }

  @Get()
  @CheckPolicy(Action.Read, 'Restriction')
  @ApiOperation({ summary: "A subject's restrictions and objections, active and lifted" })
  @ApiParam(SUBJECT_PARAM)
  @ApiOkResponse({ type: SubjectRestrictionsDto })
  list(@Param('subjectId', SubjectIdPipe) subjectId: string): Promise<SubjectRestrictionsDto> {
    return this.restrictions.forSubject(subjectId);
  }

  @Post(':restrictionId/lift')
  @HttpCode(200)
  @CheckPolicy(Action.Update, 'Restriction')
  @ApiOperation({ summary: 'Lift a restriction or objection (takes effect at once)' })
  @ApiParam(SUBJECT_PARAM)
  @ApiUuidParam('restrictionId', 'a3d5e7f9-1b2c-4d6e-8f0a-2b4c6d8e0f1a', 'Restriction or objection id')
  @ApiOkResponse({ type: RestrictionResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already lifted' })
  lift(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @Param('restrictionId', new ParseUUIDPipe()) restrictionId: string,
    @Body() dto: LiftRestrictionDto,
    @CurrentActor() actor: Actor,
  ): Promise<RestrictionResponseDto> {
    return this.restrictions.lift(subjectId, restrictionId, dto, actor);
  }
}
