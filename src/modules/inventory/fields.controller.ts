import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
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
import { ApiCodeParam } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { PurposeCodePipe } from '../../common/pipes/purpose-code.pipe';
import type { AppAbility } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentAbility, CurrentActor } from '../../policies/request-principal';
import {
  CreateFieldDto,
  ListFieldsQueryDto,
  PersonalFieldListDto,
  PersonalFieldPageDto,
  PersonalFieldResponseDto,
  ReplaceFieldBindingsDto,
  UpdateFieldDto,
} from './dto/field.dto';
import { FieldKeyPipe } from './inventory.pipes';
import { FieldsService } from './fields.service';

const FIELD_KEY_PARAM = {
  name: 'key',
  example: 'crm.customers.email',
  description: 'Field key: system.table.column (or system.schema.table.column)',
};

@ApiErrorResponses()
@ApiTags('inventory')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such field (or not visible to the caller)' })
@Controller()
export class FieldsController {
  constructor(private readonly inventory: FieldsService) {}

  @Post('fields')
  @CheckPolicy(Action.Create, 'PersonalField')
  @ApiOperation({ summary: 'Register a personal-data field of a dataset (key: system.table.column)' })
  @ApiCreatedResponse({ type: PersonalFieldResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Field already registered' })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Unknown dataset, or bad anonymisation',
  })
  create(@Body() dto: CreateFieldDto, @CurrentActor() actor: Actor): Promise<PersonalFieldResponseDto> {
    return this.inventory.createField(dto, actor);
  }

  @Get('fields')
  @CheckPolicy(Action.Read, 'PersonalField')
  @ApiOperation({ summary: 'List fields (filter by system, category, purpose, special, unbound)' })
  @ApiOkResponse({ type: PersonalFieldPageDto })
  list(
    @Query() query: ListFieldsQueryDto,
    @CurrentAbility() ability: AppAbility,
  ): Promise<PersonalFieldPageDto> {
    return this.inventory.listFields(query, ability);
  }

  @Get('fields/:key')
  @CheckPolicy(Action.Read, 'PersonalField')
  @ApiOperation({ summary: 'Read a field with its bindings, effective retention and flags' })
  @ApiOkResponse({ type: PersonalFieldResponseDto })
  @ApiParam(FIELD_KEY_PARAM)
  get(
    @Param('key', FieldKeyPipe) key: string,
    @CurrentAbility() ability: AppAbility,
  ): Promise<PersonalFieldResponseDto> {
    return this.inventory.getField(key, ability);
  }

  @Patch('fields/:key')
  @CheckPolicy(Action.Update, 'PersonalField')
  @ApiOperation({ summary: 'Edit a field (category, description, anonymisation)' })
  @ApiOkResponse({ type: PersonalFieldResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Special category bound to a purpose without an art. 9(2) condition',
  })
  @ApiParam(FIELD_KEY_PARAM)
  update(
    @Param('key', FieldKeyPipe) key: string,
    @Body() dto: UpdateFieldDto,
    @CurrentActor() actor: Actor,
  ): Promise<PersonalFieldResponseDto> {
    return this.inventory.updateField(key, dto, actor);
  }

  @Delete('fields/:key')
  @HttpCode(204)
  @CheckPolicy(Action.Delete, 'PersonalField')
  @ApiOperation({ summary: 'Remove a field and its bindings' })
  @ApiNoContentResponse()
  @ApiParam(FIELD_KEY_PARAM)
  delete(@Param('key', FieldKeyPipe) key: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.inventory.deleteField(key, actor);
  }

  @Put('fields/:key/purposes')
  @CheckPolicy(Action.Update, 'PersonalField')
  @ApiOperation({ summary: 'Replace the purposes a field is bound to, with the actions each allows' })
  @ApiOkResponse({ type: PersonalFieldResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Unknown or retired purpose, or special category without an art. 9(2) condition',
  })
  @ApiParam(FIELD_KEY_PARAM)
  replaceBindings(
    @Param('key', FieldKeyPipe) key: string,
    @Body() dto: ReplaceFieldBindingsDto,
    @CurrentActor() actor: Actor,
  ): Promise<PersonalFieldResponseDto> {
    return this.inventory.replaceBindings(key, dto, actor);
  }

  @Get('purposes/:code/fields')
  @CheckPolicy(Action.Read, 'PersonalField')
  @ApiOperation({ summary: 'Fields bound to a purpose' })
  @ApiOkResponse({ type: PersonalFieldListDto })
  @ApiCodeParam()
  async listOfPurpose(
    @Param('code', PurposeCodePipe) code: string,
    @CurrentAbility() ability: AppAbility,
  ): Promise<PersonalFieldListDto> {
    return { items: await this.inventory.listFieldsOfPurpose(code, ability) };
  }
}
