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
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<LegalHoldResponseDto> {
    return this.holds.get(id);
  }

  @Delete(':id')
  @CheckPolicy(Action.Delete, 'LegalHold')
  @ApiOperation({ summary: 'Lift a legal hold (purging of what it covered resumes at the next run)' })
  @ApiOkResponse({ type: LegalHoldResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Already lifted' })
  lift(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentActor() actor: Actor,
  ): Promise<LegalHoldResponseDto> {
    return this.holds.lift(id, actor);
  }
}
