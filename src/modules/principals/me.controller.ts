import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { AuthenticatedPrincipal } from '../../policies/principal';
import { CurrentPrincipal } from '../../policies/request-principal';
import { MeResponseDto } from './dto/principal.response.dto';

@ApiErrorResponses()
@ApiTags('principals')
@ApiBearerAuth()
@Controller('me')
export class MeController {
  @Get()
  @CheckPolicy(Action.Read, 'Me')
  @ApiOperation({ summary: 'Who am I: principal, roles, authorised purposes and the key in use' })
  @ApiOkResponse({ type: MeResponseDto })
  me(@CurrentPrincipal() principal: AuthenticatedPrincipal): MeResponseDto {
    return {
      id: principal.id,
      name: principal.name,
      roles: [...principal.roles],
      purposeCodes: [...principal.purposeCodes],
      keyId: principal.keyId,
      keyPrefix: principal.keyPrefix,
    };
  }
}
