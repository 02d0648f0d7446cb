import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  DATASET_NAME,
  REFERENCED_ROWS_MODES,
  type ReferencedRowsMode,
  SQL_IDENTIFIER,
} from '../inventory.model';

const IDENTIFIER_MESSAGE = 'must be a SQL identifier (letters, digits, _ or $, starting with a letter or _)';

export class TimestampColumnsDto {
  @ApiPropertyOptional({ example: 'created_at', description: 'When the data was collected' })
  @IsOptional()
  @Matches(SQL_IDENTIFIER, { message: `collection ${IDENTIFIER_MESSAGE}` })
  collection?: string;

  @ApiPropertyOptional({ example: 'last_order_at', description: 'Last interaction with the subject' })
  @IsOptional()
  @Matches(SQL_IDENTIFIER, { message: `lastInteraction ${IDENTIFIER_MESSAGE}` })
  lastInteraction?: string;

  @ApiPropertyOptional({ example: 'contract_ended_at', description: 'End of the contract' })
  @IsOptional()
  @Matches(SQL_IDENTIFIER, { message: `contractEnd ${IDENTIFIER_MESSAGE}` })
  contractEnd?: string;
}

export class DatasetArchiveDto {
  @ApiProperty({
    example: 'archive.customers',
    description:
      '`schema.table` of the intermediate archive, in the same database (mysql: a database of the same server; docs/retention-archive.md gives its DDL)',
  })
  @Matches(DATASET_NAME, {
    message: 'archive.table must be schema.table, both SQL identifiers (e.g. archive.customers)',
  })
  table!: string;
}

/**
 * A dataset's optional `referencedRows` (ADR 0051), one field wherever a dataset is declared: the
 * datasets API and the register document. Each describes it in its own words.
 */
export function ReferencedRowsProperty(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: REFERENCED_ROWS_MODES, example: 'purge_children_first', description }),
    IsOptional(),
    IsIn(REFERENCED_ROWS_MODES, {
      message: `referencedRows must be one of ${REFERENCED_ROWS_MODES.join(', ')}`,
    }),
  );
}

export class DatasetDeclarationDto {
  @ApiPropertyOptional({ type: String, example: 'One row per customer', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: 'id',
    description: 'Column holding the data subject id (null: not tied to one subject)',
    nullable: true,
  })
  @IsOptional()
  @Matches(SQL_IDENTIFIER, { message: `subjectColumn ${IDENTIFIER_MESSAGE}` })
  subjectColumn?: string | null;

  @ApiPropertyOptional({ type: TimestampColumnsDto, description: 'Columns the retention triggers use' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TimestampColumnsDto)
  timestampColumns?: TimestampColumnsDto;

  @ApiPropertyOptional({
    type: DatasetArchiveDto,
    nullable: true,
    description:
      'Where the values of a purpose with an archive phase are moved (postgres and mysql systems; ADR 0052)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => DatasetArchiveDto)
  archive?: DatasetArchiveDto | null;

  @ReferencedRowsProperty(
    'What a purge does with due rows other rows still reference: anonymise them (default), or purge the registered child datasets of the system first, then anonymise what is still referenced (ADR 0051)',
  )
  referencedRows?: ReferencedRowsMode;
}

export class CreateDatasetDto extends DatasetDeclarationDto {
  @ApiProperty({ example: 'public.customers', description: '`schema.table`' })
  @Matches(DATASET_NAME, {
    message: 'name must be schema.table, both SQL identifiers (e.g. public.customers)',
  })
  name!: string;

  @ApiProperty({ example: ['id'], description: 'Primary key column(s)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @Matches(SQL_IDENTIFIER, { each: true, message: `each primaryKey column ${IDENTIFIER_MESSAGE}` })
  primaryKey!: string[];
}

export class UpdateDatasetDto extends DatasetDeclarationDto {
  @ApiPropertyOptional({ example: ['id'], description: 'Primary key column(s)' })
  @ValidateIf((_, v) => v !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @Matches(SQL_IDENTIFIER, { each: true, message: `each primaryKey column ${IDENTIFIER_MESSAGE}` })
  primaryKey?: string[];
}

export class TimestampColumnsResponseDto {
  @ApiPropertyOptional({ example: 'created_at' }) collection?: string;
  @ApiPropertyOptional({ example: 'last_order_at' }) lastInteraction?: string;
  @ApiPropertyOptional({ example: 'contract_ended_at' }) contractEnd?: string;
}

export class DatasetResponseDto {
  @ApiProperty({ format: 'uuid', example: '0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b' }) id!: string;
  @ApiProperty({ example: 'crm' }) systemCode!: string;
  @ApiProperty({ example: 'public.customers' }) name!: string;
  @ApiProperty({ example: 'public' }) schema!: string;
  @ApiProperty({ example: 'customers' }) table!: string;
  @ApiProperty({ nullable: true, type: String, example: 'One row per customer' }) description!: string | null;
  @ApiProperty({ type: [String], example: ['id'] }) primaryKey!: string[];
  @ApiProperty({ nullable: true, type: String, example: 'id' }) subjectColumn!: string | null;
  @ApiProperty({ type: TimestampColumnsResponseDto, example: { lastInteraction: 'last_order_at' } })
  timestampColumns!: TimestampColumnsResponseDto;
  @ApiProperty({ type: DatasetArchiveDto, nullable: true, example: null }) archive!: DatasetArchiveDto | null;
  @ApiProperty({ enum: REFERENCED_ROWS_MODES, example: 'anonymise' }) referencedRows!: ReferencedRowsMode;
  @ApiProperty({ example: 6 }) fieldCount!: number;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) updatedAt!: Date;
}

export class DatasetListDto {
  @ApiProperty({ type: [DatasetResponseDto] }) items!: DatasetResponseDto[];
}
