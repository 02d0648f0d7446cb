import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageInfoDto, PageQueryDto } from '../../../common/pagination/cursor';
import { PURPOSE_CODE_PATTERN } from '../../purposes/purpose.model';
import {
  AnonymisationStrategy,
  DATASET_NAME,
  DataCategory,
  FieldAction,
  FieldFlag,
  FieldObligation,
  SQL_IDENTIFIER,
  SYSTEM_CODE,
} from '../inventory.model';

export class AnonymisationDto {
  @ApiProperty({ enum: AnonymisationStrategy, example: AnonymisationStrategy.Hash })
  @IsEnum(AnonymisationStrategy)
  strategy!: AnonymisationStrategy;

  @ApiPropertyOptional({
    example: 'anonymised',
    description: 'Replacement for `fixed` (required there); granularity hint for `generalise` (e.g. year)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  value?: string;
}

export class FieldDeclarationDto {
  @ApiPropertyOptional({
    type: String,
    example: 'Customer e-mail, used for order confirmations',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  @ApiPropertyOptional({
    type: AnonymisationDto,
    nullable: true,
    description: 'What retention does to the value; null: the default of the data category',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => AnonymisationDto)
  anonymisation?: AnonymisationDto | null;
}

export class CreateFieldDto extends FieldDeclarationDto {
  @ApiProperty({ example: 'crm', description: 'Code of the system' })
  @Matches(SYSTEM_CODE, { message: 'system must be a system code' })
  @MaxLength(50)
  system!: string;

  @ApiProperty({ example: 'public.customers', description: 'Dataset name (`schema.table`)' })
  @Matches(DATASET_NAME, { message: 'dataset must be schema.table (e.g. public.customers)' })
  dataset!: string;

  @ApiProperty({ example: 'email', description: 'Column name (the key becomes crm.customers.email)' })
  @Matches(SQL_IDENTIFIER, { message: 'column must be a SQL identifier' })
  column!: string;

  @ApiProperty({ enum: DataCategory, example: DataCategory.Contact })
  @IsEnum(DataCategory)
  dataCategory!: DataCategory;
}

export class UpdateFieldDto extends FieldDeclarationDto {
  @ApiPropertyOptional({ enum: DataCategory, example: DataCategory.Contact })
  @IsOptional()
  @IsEnum(DataCategory)
  dataCategory?: DataCategory;
}

export class FieldBindingDto {
  @ApiProperty({ example: 'marketing.newsletter', description: 'Purpose code' })
  @Matches(PURPOSE_CODE_PATTERN, { message: 'purpose must be a purpose code' })
  @MaxLength(100)
  purpose!: string;

  @ApiProperty({ enum: FieldAction, isArray: true, example: [FieldAction.Read] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsEnum(FieldAction, { each: true })
  actions!: FieldAction[];

  @ApiPropertyOptional({ enum: FieldObligation, nullable: true, example: FieldObligation.Mask })
  @IsOptional()
  @IsEnum(FieldObligation)
  obligation?: FieldObligation | null;

  @ApiPropertyOptional({
    example: false,
    default: false,
    description: 'Sub-purposes of this purpose may use the field too',
  })
  @IsOptional()
  @IsBoolean()
  appliesToSubPurposes?: boolean;

  @ApiPropertyOptional({
    type: AnonymisationDto,
    nullable: true,
    description: 'Overrides the field strategy when this purpose is the last to expire',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => AnonymisationDto)
  anonymisation?: AnonymisationDto | null;
}

export class ReplaceFieldBindingsDto {
  @ApiProperty({
    type: [FieldBindingDto],
    description: 'The complete new set of bindings (an empty list unbinds the field)',
    example: [{ purpose: 'marketing.newsletter', actions: ['read'], obligation: null }],
  })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FieldBindingDto)
  bindings!: FieldBindingDto[];
}

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListFieldsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'crm', description: 'Only fields of this system' })
  @IsOptional()
  @Matches(SYSTEM_CODE, { message: 'system must be a system code' })
  system?: string;

  @ApiPropertyOptional({ enum: DataCategory, example: DataCategory.Contact })
  @IsOptional()
  @IsEnum(DataCategory)
  category?: DataCategory;

  @ApiPropertyOptional({ example: 'marketing.newsletter', description: 'Only fields bound to this purpose' })
  @IsOptional()
  @Matches(PURPOSE_CODE_PATTERN, { message: 'purpose must be a purpose code' })
  purpose?: string;

  @ApiPropertyOptional({
    example: true,
    description: 'Only special-category (art. 9/10) fields, or only others',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  special?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Only fields bound to no purpose (or only bound ones)' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  unbound?: boolean;
}

export class AnonymisationResponseDto {
  @ApiProperty({ enum: AnonymisationStrategy, example: AnonymisationStrategy.Hash })
  strategy!: AnonymisationStrategy;
  @ApiPropertyOptional({ example: 'year' }) value?: string;
}

export class FieldBindingResponseDto {
  @ApiProperty({ example: 'marketing.newsletter' }) purposeCode!: string;
  @ApiProperty({ enum: ['draft', 'active', 'retired'], example: 'active' }) purposeStatus!: string;
  @ApiProperty({ enum: FieldAction, isArray: true, example: ['read'] }) actions!: FieldAction[];
  @ApiProperty({ enum: FieldObligation, nullable: true, example: null }) obligation!: FieldObligation | null;
  @ApiProperty({ example: false }) appliesToSubPurposes!: boolean;
  @ApiProperty({ type: AnonymisationResponseDto, nullable: true, example: null })
  anonymisation!: AnonymisationResponseDto | null;
}

export class RetentionWordsDto {
  @ApiProperty({ example: '3 years from the last interaction' }) en!: string;
  @ApiProperty({ example: '3 ans à compter de la dernière interaction' }) fr!: string;
}

export class EffectiveRetentionDto {
  @ApiProperty({ example: 'P3Y' }) duration!: string;
  @ApiProperty({ example: 'last_interaction' }) trigger!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'sales.orders',
    description:
      'The active purpose with the longest retention; null for an application when it is not one of its purposes',
  })
  purposeCode!: string | null;
  @ApiProperty({ type: RetentionWordsDto, description: 'The rule in words, as the art. 30 report words it' })
  words!: RetentionWordsDto;
}

export class PersonalFieldResponseDto {
  @ApiProperty({ format: 'uuid', example: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d' }) id!: string;
  @ApiProperty({ example: 'crm.customers.email' }) key!: string;
  @ApiProperty({ example: 'crm' }) systemCode!: string;
  @ApiProperty({ example: 'public.customers' }) dataset!: string;
  @ApiProperty({ example: 'email' }) column!: string;
  @ApiProperty({ enum: DataCategory, example: DataCategory.Contact }) dataCategory!: DataCategory;
  @ApiProperty({ example: false, description: 'Special category (art. 9) or criminal data (art. 10)' })
  special!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'Customer e-mail' }) description!: string | null;
  @ApiProperty({ type: AnonymisationResponseDto, description: 'Effective strategy (declared or default)' })
  anonymisation!: AnonymisationResponseDto;
  @ApiProperty({ example: true, description: 'The strategy is the default of the data category' })
  anonymisationIsDefault!: boolean;
  @ApiProperty({ type: [FieldBindingResponseDto] }) bindings!: FieldBindingResponseDto[];
  @ApiProperty({
    type: [String],
    example: ['marketing.newsletter'],
    description: 'Codes of the bound purposes',
  })
  purposeCodes!: string[];
  @ApiProperty({
    type: EffectiveRetentionDto,
    nullable: true,
    description: 'Longest retention among the active bound purposes; null when none is active',
  })
  effectiveRetention!: EffectiveRetentionDto | null;
  @ApiProperty({ enum: FieldFlag, isArray: true, example: [] }) flags!: FieldFlag[];
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) updatedAt!: Date;
}

export class PersonalFieldPageDto extends PageInfoDto {
  @ApiProperty({ type: [PersonalFieldResponseDto] }) items!: PersonalFieldResponseDto[];
}

export class PersonalFieldListDto {
  @ApiProperty({ type: [PersonalFieldResponseDto] }) items!: PersonalFieldResponseDto[];
}
