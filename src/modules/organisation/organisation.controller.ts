import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ApiIfMatchHeader } from '../../common/decorators/api-params.decorator';
import { IfMatchVersion } from '../../common/decorators/if-match-version.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import { OrganisationResponseDto, PutOrganisationDto } from './dto/organisation.dto';
import { OrganisationService } from './organisation.service';

@ApiErrorResponses()
@ApiTags('register')
@ApiBearerAuth()
@Controller('register/organisation')
export class OrganisationController {
  constructor(private readonly organisation: OrganisationService) {}

  @Get()
  @CheckPolicy(Action.Read, 'Organisation')
  @ApiOperation({
    summary: 'The controller as the record of processing names it: contact details, DPO, EU representative',
  })
  @ApiOkResponse({ type: OrganisationResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'Not declared yet (ORGANISATION_NOT_DECLARED)' })
  get(): Promise<OrganisationResponseDto> {
    return this.organisation.get();
  }

  @Put()
  @CheckPolicy(Action.Update, 'Organisation')
  @ApiOperation({
    summary: 'Declare or replace the controller organisation (art. 30(1)(a), art. 27)',
    description:
      'The whole record: optional parts left out are cleared. Audited as `organisation.updated` with the ' +
      'record before and after; sending it unchanged records nothing. `If-Match: "<version>"` is optional ' +
      '("0" before the first declaration).',
  })
  @ApiOkResponse({ type: OrganisationResponseDto })
  @ApiIfMatchHeader('"1"')
  @ApiPreconditionFailedResponse({ type: ErrorBodyDto, description: 'If-Match version is stale' })
  put(
    @Body() dto: PutOrganisationDto,
    @CurrentActor() actor: Actor,
    @IfMatchVersion() expectedVersion?: number,
  ): Promise<OrganisationResponseDto> {
    return this.organisation.put(dto, actor, expectedVersion);
  }
}
