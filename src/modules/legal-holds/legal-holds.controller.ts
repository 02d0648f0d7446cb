import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiUuidParam } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import {
  LegalHoldListDto,
  LegalHoldResponseDto,
  ListLegalHoldsQueryDto,
  PlaceLegalHoldDto,
} from './dto/legal-hold.dto';
import { LegalHoldsService } from './legal-holds.service';

@ApiErrorResponses()
@ApiTags('legal holds')
@ApiBearerAuth()
@Controller('legal-holds')
export class LegalHoldsController {
  constructor(private readonly holds: LegalHoldsService) {}

  @Post()
  @CheckPolicy(Action.Create, 'LegalHold')
  @ApiOperation({
    summary: 'Place a legal hold on a subject, a dataset or a whole system (suspends purging)',
  })
  @ApiCreatedResponse({ type: LegalHoldResponseDto })
  async place(@Body() dto: PlaceLegalHoldDto, @CurrentActor() actor: Actor): Promise<LegalHoldResponseDto> {
    return this.holds.place(dto, actor);
  }

  @Get()
  @CheckPolicy(Action.Read, 'LegalHold')
  @ApiOperation({ summary: 'Legal holds (in force by default)' })
  @ApiOkResponse({ type: LegalHoldListDto })
  async list(@Query() query: ListLegalHoldsQueryDto): Promise<LegalHoldListDto> {
    return { items: await this.holds.list(query) };
  }

  @Get(':id')
  @CheckPolicy(Action.Read, 'LegalHold')
  @ApiOperation({ summary: 'One legal hold' })
  @ApiOkResponse({ type: LegalHoldResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiUuidParam('id', '0b6f3f2e-5a0e-4c55-9d55-2b1f8f7c9a10', 'Legal hold id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<LegalHoldResponseDto> {
    return this.holds.get(id);
  }

  @Delete(':id')
  @CheckPolicy(Action.Delete, 'LegalHold')
  @ApiOperation({ summary: 'Lift a legal hold (purging of what it covered resumes at the next run)' })
  @ApiOkResponse({ type: LegalHoldResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already lifted' })
  @ApiUuidParam('id', '0b6f3f2e-5a0e-4c55-9d55-2b1f8f7c9a10', 'Legal hold id')
  lift(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<LegalHoldResponseDto> {
    return this.holds.lift(id, actor);
  }
}
