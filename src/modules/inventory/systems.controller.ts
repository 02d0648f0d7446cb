import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPreconditionFailedResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ApiIfMatchHeader, ApiSystemCodeParam } from '../../common/decorators/api-params.decorator';
import { ApiErrorResponses } from '../../common/decorators/api-error-responses.decorator';
import { IfMatchVersion } from '../../common/decorators/if-match-version.decorator';
import { ErrorBodyDto } from '../../common/errors/error-body.dto';
import { Action } from '../../policies/action.enum';
import { CheckPolicy } from '../../policies/check-policy.decorator';
import type { Actor } from '../../policies/principal';
import { CurrentActor } from '../../policies/request-principal';
import { CreateDatasetDto, DatasetListDto, DatasetResponseDto, UpdateDatasetDto } from './dto/dataset.dto';
import { ScanResultDto, ScanSystemDto } from './dto/scan.dto';
import { CreateSystemDto, SystemListDto, SystemResponseDto, UpdateSystemDto } from './dto/system.dto';
import { DatasetsService } from './datasets.service';
import { DatasetNamePipe, SystemCodePipe } from './inventory.pipes';
import { SystemScanService } from './system-scan.service';
import { SystemsService } from './systems.service';

const DATASET_NAME_PARAM = {
  name: 'name',
  example: 'public.customers',
  description: 'Dataset name (`schema.table`)',
};

@ApiErrorResponses()
@ApiTags('inventory')
@ApiBearerAuth()
@ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such system or dataset' })
@Controller('systems')
export class SystemsController {
  constructor(
    private readonly inventory: SystemsService,
    private readonly datasets: DatasetsService,
    private readonly scanner: SystemScanService,
  ) {}

  @Post()
  @CheckPolicy(Action.Create, 'System')
  @ApiOperation({ summary: 'Register a system (postgres, webhook or manual); secrets are stored encrypted' })
  @ApiCreatedResponse({ type: SystemResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Code already used' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Property not allowed for this kind' })
  create(@Body() dto: CreateSystemDto, @CurrentActor() actor: Actor): Promise<SystemResponseDto> {
    return this.inventory.createSystem(dto, actor);
  }

  @Get()
  @CheckPolicy(Action.Read, 'System')
  @ApiOperation({ summary: 'List systems (secrets never returned: see hasConnection)' })
  @ApiOkResponse({ type: SystemListDto })
  async list(): Promise<SystemListDto> {
    return { items: await this.inventory.listSystems() };
  }

  @Get(':code')
  @CheckPolicy(Action.Read, 'System')
  @ApiOperation({ summary: 'Read a system' })
  @ApiOkResponse({ type: SystemResponseDto })
  @ApiSystemCodeParam()
  get(@Param('code', SystemCodePipe) code: string): Promise<SystemResponseDto> {
    return this.inventory.getSystem(code);
  }

  @Patch(':code')
  @CheckPolicy(Action.Update, 'System')
  @ApiOperation({ summary: 'Edit a system (absent = unchanged, null = clear; secrets are write-only)' })
  @ApiIfMatchHeader('"2"')
  @ApiOkResponse({ type: SystemResponseDto })
  @ApiPreconditionFailedResponse({ type: ErrorBodyDto, description: 'If-Match version is stale' })
  @ApiUnprocessableEntityResponse({ type: ErrorBodyDto, description: 'Property not allowed for this kind' })
  @ApiSystemCodeParam()
  update(
    @Param('code', SystemCodePipe) code: string,
    @Body() dto: UpdateSystemDto,
    @CurrentActor() actor: Actor,
    @IfMatchVersion() expectedVersion?: number,
  ): Promise<SystemResponseDto> {
    return this.inventory.updateSystem(code, dto, actor, expectedVersion);
  }

  @Delete(':code')
  @HttpCode(204)
  @CheckPolicy(Action.Delete, 'System')
  @ApiOperation({ summary: 'Remove a system that has no datasets left' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The system still has datasets' })
  @ApiSystemCodeParam()
  delete(@Param('code', SystemCodePipe) code: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.inventory.deleteSystem(code, actor);
  }

  @Post(':code/scan')
  @HttpCode(200)
  @CheckPolicy(Action.Execute, 'System')
  @ApiOperation({
    summary: 'Read the catalogue of a postgres system and list the columns not registered as fields',
  })
  @ApiOkResponse({ type: ScanResultDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorBodyDto,
    description: 'Not a postgres system, or no connection',
  })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'The system database is unreachable' })
  @ApiSystemCodeParam()
  scan(
    @Param('code', SystemCodePipe) code: string,
    @Body() dto: ScanSystemDto,
    @CurrentActor() actor: Actor,
  ): Promise<ScanResultDto> {
    return this.scanner.scan(code, dto, actor);
  }

  @Post(':code/datasets')
  @CheckPolicy(Action.Create, 'Dataset')
  @ApiOperation({ summary: 'Declare a dataset (schema.table) of a system' })
  @ApiCreatedResponse({ type: DatasetResponseDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'Dataset already declared' })
  @ApiSystemCodeParam()
  createDataset(
    @Param('code', SystemCodePipe) code: string,
    @Body() dto: CreateDatasetDto,
    @CurrentActor() actor: Actor,
  ): Promise<DatasetResponseDto> {
    return this.datasets.createDataset(code, dto, actor);
  }

  @Get(':code/datasets')
  @CheckPolicy(Action.Read, 'Dataset')
  @ApiOperation({ summary: 'List the datasets of a system' })
  @ApiOkResponse({ type: DatasetListDto })
  @ApiSystemCodeParam()
  async listDatasets(@Param('code', SystemCodePipe) code: string): Promise<DatasetListDto> {
    return { items: await this.datasets.listDatasets(code) };
  }

  @Get(':code/datasets/:name')
  @CheckPolicy(Action.Read, 'Dataset')
  @ApiOperation({ summary: 'Read a dataset' })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiSystemCodeParam()
  @ApiParam(DATASET_NAME_PARAM)
  getDataset(
    @Param('code', SystemCodePipe) code: string,
    @Param('name', DatasetNamePipe) name: string,
  ): Promise<DatasetResponseDto> {
    return this.datasets.getDataset(code, name);
  }

  @Patch(':code/datasets/:name')
  @CheckPolicy(Action.Update, 'Dataset')
  @ApiOperation({ summary: 'Edit a dataset (primary key, subject column, timestamp columns)' })
  @ApiOkResponse({ type: DatasetResponseDto })
  @ApiSystemCodeParam()
  @ApiParam(DATASET_NAME_PARAM)
  updateDataset(
    @Param('code', SystemCodePipe) code: string,
    @Param('name', DatasetNamePipe) name: string,
    @Body() dto: UpdateDatasetDto,
    @CurrentActor() actor: Actor,
  ): Promise<DatasetResponseDto> {
    return this.datasets.updateDataset(code, name, dto, actor);
  }

  @Delete(':code/datasets/:name')
  @HttpCode(204)
  @CheckPolicy(Action.Delete, 'Dataset')
  @ApiOperation({ summary: 'Remove a dataset that has no fields left' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'The dataset still has fields' })
  @ApiSystemCodeParam()
  @ApiParam(DATASET_NAME_PARAM)
  deleteDataset(
    @Param('code', SystemCodePipe) code: string,
    @Param('name', DatasetNamePipe) name: string,
    @CurrentActor() actor: Actor,
  ): Promise<void> {
    return this.datasets.deleteDataset(code, name, actor);
  }
}
