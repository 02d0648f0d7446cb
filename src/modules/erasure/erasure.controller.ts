import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiUuidParam } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import { SubjectIdPipe } from '../consents/subject-id.pipe';
import { ErasureRequestListDto, ErasureRequestResponseDto, RequestErasureDto } from './dto/erasure.dto';
import { ErasureService } from './erasure.service';

@ApiErrorResponses()
@ApiTags('erasure')
@ApiBearerAuth()
@Controller('subjects/:subjectId/erasure')
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  @Post()
  @HttpCode(202)
  @CheckPolicy(Action.Create, 'ErasureRequest')
  @ApiOperation({
    summary:
      'Art. 17: erase a subject everywhere, except what a legal obligation or a legal hold still justifies',
  })
  @ApiParam({ name: 'subjectId', example: 'cust-4711' })
  @ApiAcceptedResponse({ type: ErasureRequestResponseDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  request(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @Body() dto: RequestErasureDto,
    @CurrentActor() actor: Actor,
  ): Promise<ErasureRequestResponseDto> {
    return this.erasure.request(subjectId, dto, actor);
  }

  @Get()
  @CheckPolicy(Action.Read, 'ErasureRequest')
  @ApiOperation({ summary: "The subject's erasure requests, newest first" })
  @ApiParam({ name: 'subjectId', example: 'cust-4711' })
  @ApiOkResponse({ type: ErasureRequestListDto })
  async list(@Param('subjectId', SubjectIdPipe) subjectId: string): Promise<ErasureRequestListDto> {
    return { items: await this.erasure.list(subjectId) };
  }

  @Get(':requestId')
  @CheckPolicy(Action.Read, 'ErasureRequest')
  @ApiOperation({ summary: 'One erasure request: status, what was erased, what was kept and why' })
  @ApiParam({ name: 'subjectId', example: 'cust-4711' })
  @ApiOkResponse({ type: ErasureRequestResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiUuidParam('requestId', '9a1e4c1b-5d3f-4b7e-8a2c-1f0e9d8c7b6a', 'Erasure request id')
  get(
    @Param('subjectId', SubjectIdPipe) subjectId: string,
    @Param('requestId', new ParseUUIDPipe()) requestId: string,
  ): Promise<ErasureRequestResponseDto> {
    return this.erasure.get(subjectId, requestId);
  }
}
