import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import type { AppAbility } from '../../policies/ability.factory';
import { AccessMode, Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentAbility, CurrentActor } from '../../policies/request-principal';
import { AccessBatchLimitInterceptor } from './access-batch-limit.interceptor';
import { AccessService } from './access.service';
import {
  AccessCheckBatchDto,
  AccessCheckDto,
  AccessExplainDto,
  MAX_BATCH_CHECKS,
} from './dto/access-check.dto';
import {
  AccessBatchResultDto,
  AccessDecisionDto,
  AccessExplanationDto,
} from './dto/access-decision.response.dto';

@ApiErrorResponses()
@ApiTags('access')
@ApiBearerAuth()
@ApiInternalServerErrorResponse({
  type: ErrorBodyDto,
  description:
    'AUDIT_TRAIL_TRUNCATED: the audit trail was cut below a signed checkpoint; no decision is given ' +
    'until an operator restores it (retrying does not help)',
})
@ApiServiceUnavailableResponse({
  type: ErrorBodyDto,
  description: 'Policy or audit trail unreachable: no decision is given (fail closed)',
})
@Controller('access')
export class AccessController {
  constructor(private readonly access: AccessService) {}

  @Post('check')
  @HttpCode(200)
  @CheckPolicy(Action.Execute, 'AccessDecision', AccessMode.Check)
  @ApiOperation({
    summary: 'May this application use these fields for this purpose (and subject)? Recorded.',
    description:
      'Each field is allowed, or denied with the first failing rule (docs/access-check.md). decision is allow ' +
      '(every field), deny (none) or partial. A purpose the application is not authorised for is a recorded ' +
      'deny (APPLICATION_NOT_AUTHORISED), not a 403. Only applications ask for decisions: any other caller ' +
      'gets 403 FORBIDDEN, nothing is recorded (DPOs: POST /access/explain).',
  })
  @ApiOkResponse({ type: AccessDecisionDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Not an application' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'context too large' })
  check(
    @Body() dto: AccessCheckDto,
    @CurrentActor() actor: Actor,
    @CurrentAbility() ability: AppAbility,
  ): Promise<AccessDecisionDto> {
    return this.access.check(dto, actor, ability);
  }

  @Post('check/batch')
  @HttpCode(200)
  @UseInterceptors(AccessBatchLimitInterceptor)
  @CheckPolicy(Action.Execute, 'AccessDecision', AccessMode.Check)
  @ApiOperation({
    summary: `Up to ${MAX_BATCH_CHECKS} checks in one call, each answered and recorded as by /access/check`,
  })
  @ApiOkResponse({ type: AccessBatchResultDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Not an application' })
  @ApiPayloadTooLargeResponse({ type: ErrorBodyDto, description: `More than ${MAX_BATCH_CHECKS} checks` })
  checkBatch(
    @Body() dto: AccessCheckBatchDto,
    @CurrentActor() actor: Actor,
    @CurrentAbility() ability: AppAbility,
  ): Promise<AccessBatchResultDto> {
    return this.access.checkBatch(dto.checks, actor, ability);
  }

  @Post('explain')
  @HttpCode(200)
  // No mode here: an application passes the guard and is refused by the service with its own code.
  @CheckPolicy(Action.Execute, 'AccessDecision')
  @ApiOperation({
    summary: 'For DPOs: the same evaluation with the rule trail per field; not an application decision',
  })
  @ApiOkResponse({ type: AccessExplanationDto })
  @ApiForbiddenResponse({ type: ErrorBodyDto, description: 'Not a DPO' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'applicationId is not an application' })
  explain(
    @Body() dto: AccessExplainDto,
    @CurrentActor() actor: Actor,
    @CurrentAbility() ability: AppAbility,
  ): Promise<AccessExplanationDto> {
    return this.access.explain(dto, actor, ability);
  }
}
