import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { CreateProcessorDto } from '../../processors/dto/processor.dto';
import { PROCESSOR_CODE } from '../../processors/processor.model';
import { CreatePurposeDto } from '../../purposes/dto/create-purpose.dto';
import { PurposeStatus } from '../../purposes/purpose.model';
import { IsCronExpression } from '../is-cron-expression.decorator';
import { REGISTER_FORMAT } from '../register-document';
import {
  DATASET_NAME,
  DataCategory,
  type ReferencedRowsMode,
  SQL_IDENTIFIER,
  SYSTEM_CODE,
  SystemKind,
} from '../inventory.model';
import { DatasetArchiveDto, ReferencedRowsProperty, TimestampColumnsDto } from './dataset.dto';
import { AnonymisationDto, FieldBindingDto } from './field.dto';

const LIST_MAX = 10_000;

/** A purpose in the register document: its own (not inherited) declaration, and its status. */
export class RegisterPurposeDto extends CreatePurposeDto {
  @ApiProperty({ enum: PurposeStatus, example: PurposeStatus.Active })
  @IsEnum(PurposeStatus)
  status!: PurposeStatus;
}

export class RegisterFieldDto {
  @ApiProperty({ example: 'email' })
  @Matches(SQL_IDENTIFIER, { message: 'column must be a SQL identifier' })
  column!: string;

  @ApiProperty({ enum: DataCategory, example: DataCategory.Contact })
  @IsEnum(DataCategory)
  dataCategory!: DataCategory;

  @ApiPropertyOptional({ example: 'Customer e-mail' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  @ApiPropertyOptional({ type: AnonymisationDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AnonymisationDto)
  anonymisation?: AnonymisationDto | null;

  @ApiPropertyOptional({ type: [FieldBindingDto], description: 'Bindings to purposes' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FieldBindingDto)
  purposes?: FieldBindingDto[];
}

export class RegisterDatasetDto {
  @ApiProperty({ example: 'public.customers' })
  @Matches(DATASET_NAME, { message: 'name must be schema.table (e.g. public.customers)' })
  name!: string;

  @ApiPropertyOptional({ example: 'One row per customer' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  @ApiProperty({ example: ['id'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @Matches(SQL_IDENTIFIER, { each: true, message: 'each primaryKey column must be a SQL identifier' })
  primaryKey!: string[];

  @ApiPropertyOptional({ example: 'id' })
  @IsOptional()
  @Matches(SQL_IDENTIFIER, { message: 'subjectColumn must be a SQL identifier' })
  subjectColumn?: string | null;

  @ApiPropertyOptional({ type: TimestampColumnsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TimestampColumnsDto)
  timestampColumns?: TimestampColumnsDto;

  @ApiPropertyOptional({ type: DatasetArchiveDto, description: 'The intermediate archive table (ADR 0052)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => DatasetArchiveDto)
  archive?: DatasetArchiveDto | null;

  @ReferencedRowsProperty('Rows other rows still reference (ADR 0051); left out: anonymise')
  referencedRows?: ReferencedRowsMode;

  @ApiPropertyOptional({ type: [RegisterFieldDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => RegisterFieldDto)
  fields?: RegisterFieldDto[];
}

/** A system in the register document. Secrets never appear in it: set them through the API. */
export class RegisterSystemDto {
  @ApiProperty({ example: 'crm' })
  @Matches(SYSTEM_CODE, { message: 'code must be a lower-case slug without dots' })
  @MaxLength(50)
  code!: string;

  @ApiProperty({ example: 'Customer CRM' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name!: string;

  @ApiPropertyOptional({ example: 'Sales CRM' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  @ApiPropertyOptional({ example: 'Sales operations' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  owner?: string | null;

  @ApiPropertyOptional({ example: 'OVHcloud Roubaix' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  hostingLocation?: string | null;

  @ApiPropertyOptional({ example: 'FR' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'hostingCountry must be an ISO 3166-1 alpha-2 code such as FR' })
  hostingCountry?: string | null;

  @ApiProperty({ enum: SystemKind, example: SystemKind.Postgres })
  @IsEnum(SystemKind)
  kind!: SystemKind;

  @ApiPropertyOptional({ example: 'https://crm.internal/gdpr/erase' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  webhookUrl?: string | null;

  @ApiPropertyOptional({ example: '0 3 * * *' })
  @IsOptional()
  @IsCronExpression()
  retentionSchedule?: string | null;

  @ApiPropertyOptional({ example: 'mailer', description: 'Code of a processor of the document operating it' })
  @IsOptional()
  @Matches(PROCESSOR_CODE, { message: 'processorCode must be a processor code such as mailer' })
  processorCode?: string | null;

  @ApiPropertyOptional({ type: [RegisterDatasetDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => RegisterDatasetDto)
  datasets?: RegisterDatasetDto[];
}

/** The whole register as one reviewable document (YAML or JSON). */
export class RegisterDocumentDto {
  @ApiProperty({ example: REGISTER_FORMAT, enum: [REGISTER_FORMAT] })
  @IsIn([REGISTER_FORMAT], { message: `format must be "${REGISTER_FORMAT}"` })
  format!: string;

  @ApiPropertyOptional({
    type: [CreateProcessorDto],
    description: 'The processors (art. 28); absent: none (the document is the whole register)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => CreateProcessorDto)
  processors?: CreateProcessorDto[];

  @ApiProperty({ type: [RegisterPurposeDto] })
  @IsArray({
    message: `purposes must be an array (the document is the whole register: write purposes: [] for none)`,
  })
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => RegisterPurposeDto)
  purposes!: RegisterPurposeDto[];

  @ApiProperty({ type: [RegisterSystemDto] })
  @IsArray({
    message: `systems must be an array (the document is the whole register: write systems: [] for none)`,
  })
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => RegisterSystemDto)
  systems!: RegisterSystemDto[];
}

export class ExportRegisterQueryDto {
  @ApiPropertyOptional({ enum: ['yaml', 'json'], default: 'yaml', example: 'yaml' })
  @IsOptional()
  @IsIn(['yaml', 'json'])
  format?: 'yaml' | 'json';
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ImportRegisterQueryDto {
  @ApiPropertyOptional({
    example: true,
    default: false,
    description: 'Validate and return the diff; write nothing',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  dryRun?: boolean;
}

export class RegisterKindDiffDto {
  @ApiProperty({ type: [String], example: ['crm.customers.phone'] }) created!: string[];
  @ApiProperty({ type: [String], example: ['crm.customers.email'] }) changed!: string[];
  @ApiProperty({
    type: [String],
    example: [],
    description: 'Purposes: retired. Systems, datasets, fields: removed from the register',
  })
  retired!: string[];
}

export class RegisterDiffDto {
  @ApiProperty({ type: RegisterKindDiffDto, description: 'Retired: removed from the register' })
  processors!: RegisterKindDiffDto;
  @ApiProperty({ type: RegisterKindDiffDto }) purposes!: RegisterKindDiffDto;
  @ApiProperty({ type: RegisterKindDiffDto }) systems!: RegisterKindDiffDto;
  @ApiProperty({ type: RegisterKindDiffDto, description: 'Keys are system/schema.table' })
  datasets!: RegisterKindDiffDto;
  @ApiProperty({ type: RegisterKindDiffDto, description: 'Changed includes changed bindings' })
  fields!: RegisterKindDiffDto;
}

export class RegisterImportResultDto {
  @ApiProperty({ example: false }) dryRun!: boolean;
  @ApiProperty({ example: true, description: 'Whether the register was changed' }) applied!: boolean;
  @ApiProperty({ type: RegisterDiffDto }) diff!: RegisterDiffDto;
}

export class RegisterProblemDto {
  @ApiProperty({ example: 'systems[crm].datasets[public.customers].fields[diagnosis].purposes[0]' })
  path!: string;
  @ApiProperty({ example: 'purpose "care" must record an art. 9(2) condition' }) message!: string;
}
