import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import {
  CreateApiKeyDto,
  CreatePrincipalDto,
  ListPrincipalsQueryDto,
  SetPrincipalPurposesDto,
  UpdatePrincipalDto,
} from './dto/principal-inputs.dto';
import {
  CreatedApiKeyResponseDto,
  CreatedPrincipalResponseDto,
  PrincipalPageDto,
  PrincipalResponseDto,
} from './dto/principal.response.dto';
import { PrincipalsService } from './principals.service';

const PRINCIPAL_ID = { name: 'id', format: 'uuid', example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59' };

@ApiErrorResponses()
@ApiTags('principals')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such principal or key' })
@Controller('principals')
export class PrincipalsController {
  constructor(private readonly principals: PrincipalsService) {}

  @Post()
  @CheckPolicy(Action.Create, 'Principal')
  @ApiOperation({ summary: 'Create a principal with its first API key (the key is shown once)' })
  @ApiCreatedResponse({ type: CreatedPrincipalResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Unknown purposes, or purposes for a non-application',
  })
  create(
    @Body() dto: CreatePrincipalDto,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedPrincipalResponseDto> {
    return this.principals.create(dto, actor);
  }

  @Get()
  @CheckPolicy(Action.Read, 'Principal')
  @ApiOperation({ summary: 'List principals with their keys (prefix, created, last used, expiry)' })
  @ApiOkResponse({ type: PrincipalPageDto })
  list(@Query() query: ListPrincipalsQueryDto): Promise<PrincipalPageDto> {
    return this.principals.list(query);
  }

  @Get(':id')
  @CheckPolicy(Action.Read, 'Principal')
  @ApiOperation({ summary: 'Read a principal with its keys' })
  @ApiParam(PRINCIPAL_ID)
  @ApiOkResponse({ type: PrincipalResponseDto })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<PrincipalResponseDto> {
    return this.principals.get(id);
  }

  @Patch(':id')
  @CheckPolicy(Action.Update, 'Principal')
  @ApiOperation({ summary: 'Change the name, roles or disabled flag (disabling stops every key at once)' })
  @ApiParam(PRINCIPAL_ID)
  @ApiOkResponse({ type: PrincipalResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Would leave no enabled admin' })
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdatePrincipalDto,
    @CurrentActor() actor: Actor,
  ): Promise<PrincipalResponseDto> {
    return this.principals.update(id, dto, actor);
  }

  @Put(':id/purposes')
  @CheckPolicy(Action.Update, 'Principal')
  @ApiOperation({ summary: 'Set the purposes an application may invoke (replaces the whole set)' })
  @ApiParam(PRINCIPAL_ID)
  @ApiOkResponse({ type: PrincipalResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Unknown purposes, or not an application',
  })
  setPurposes(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: SetPrincipalPurposesDto,
    @CurrentActor() actor: Actor,
  ): Promise<PrincipalResponseDto> {
    return this.principals.setPurposes(id, dto, actor);
  }

  @Post(':id/keys')
  @CheckPolicy(Action.Create, 'ApiKey')
  @ApiOperation({
    summary:
      'Create an API key (shown once); with replaceKeyId, rotate: the old key expires after the grace period',
  })
  @ApiParam(PRINCIPAL_ID)
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The key to replace is revoked' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Expiry in the past' })
  createKey(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CreateApiKeyDto,
    @CurrentActor() actor: Actor,
  ): Promise<CreatedApiKeyResponseDto> {
    return this.principals.createKey(id, dto, actor);
  }

  @Delete(':id/keys/:keyId')
  @HttpCode(204)
  @CheckPolicy(Action.Delete, 'ApiKey')
  @ApiOperation({ summary: 'Revoke an API key: refused at once, on every instance' })
  @ApiParam(PRINCIPAL_ID)
  @ApiParam({ name: 'keyId', format: 'uuid', example: '6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  revokeKey(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('keyId', ParseUUIDPipe) keyId: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    return this.principals.revokeKey(id, keyId, actor);
  }
}
