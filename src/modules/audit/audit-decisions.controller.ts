import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import { AuditDecisionSearchService } from './audit-decision-search.service';
import { AccessDecisionRecordPageDto, SearchAccessDecisionsQueryDto } from './dto/access-decision-search.dto';

/** Read-only: the recorded access decisions, for DPOs and auditors (the trail is theirs to read). */
@ApiErrorResponses()
@ApiTags('audit')
@ApiBearerAuth()
@ApiBadRequestResponse({ type: ErrorBodyDto, description: 'Invalid filter, range or cursor' })
@Controller('audit')
export class AuditDecisionsController {
  constructor(private readonly decisions: AuditDecisionSearchService) {}

  @Get('decisions')
  @CheckPolicy(Action.Read, 'AuditEvent')
  @ApiOperation({
    summary:
      'Search recorded access decisions (application, purpose, field, reason, outcome, subject id, time), newest first',
    description:
      'Each decision with its per-field reasons and the register revision it was taken under. The subject ' +
      'id is hashed by the service (the trail stores only its keyed hash). Explanations (access.explained) ' +
      'are not decisions and are not listed.',
  })
  @ApiOkResponse({ type: AccessDecisionRecordPageDto })
  search(@Query() query: SearchAccessDecisionsQueryDto): Promise<AccessDecisionRecordPageDto> {
    return this.decisions.search(query);
  }
}
