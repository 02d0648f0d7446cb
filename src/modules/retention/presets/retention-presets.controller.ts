import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../../../common/decorators/api-error-responses.decorator';
import { Action } from '../../../policies/action.enum';
import { CheckPolicy } from '../../../policies/check-policy.decorator';
import { RetentionPresetListDto } from '../dto/retention-preset.dto';
import { RetentionPresetsService } from './retention-presets.service';

@ApiErrorResponses()
@ApiTags('retention')
@ApiBearerAuth()
@Controller('retention/presets')
export class RetentionPresetsController {
  constructor(private readonly presets: RetentionPresetsService) {}

  @Get()
  @CheckPolicy(Action.Read, 'RetentionRun')
  @ApiOperation({
    summary: 'CNIL retention presets: durations from its référentiels and the laws they cite, with sources',
  })
  @ApiOkResponse({ type: RetentionPresetListDto })
  list(): RetentionPresetListDto {
    return { items: this.presets.list() };
  }
}
