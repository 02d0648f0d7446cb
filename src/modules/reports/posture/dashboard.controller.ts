import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../../../common/decorators/api-error-responses.decorator';
import { Action } from '../../../policies/action.enum';
import { CheckPolicy } from '../../../policies/check-policy.decorator';
import { PostureQueryDto, PostureResponseDto } from './posture.dto';
import { PostureService } from './posture.service';

/** The console's dashboard: one read of the compliance posture (DPO and auditor). */
@ApiErrorResponses()
@ApiTags('dashboard')
@ApiBearerAuth()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly posture: PostureService) {}

  @Get('posture')
  @CheckPolicy(Action.Read, 'Report')
  @ApiOperation({
    summary:
      'Compliance posture: gaps by kind, access decisions per day, top denial reasons, denial spikes, verified audit head',
    description:
      'Not an export (nothing is recorded in the audit trail). Overdue data, legal holds and ' +
      'retention runs: GET /retention/overdue, /legal-holds, /retention/runs.',
  })
  @ApiOkResponse({ type: PostureResponseDto })
  get(@Query() query: PostureQueryDto): Promise<PostureResponseDto> {
    return this.posture.posture(query.days);
  }
}
