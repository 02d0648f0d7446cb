import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PROCESSOR_CODE } from '../../processors/processor.model';
import { LegalBasis, PURPOSE_CODE_PATTERN, SpecialCategoryCondition } from '../purpose.model';
import { InternationalTransferDto, PartyDto, ProcessorDto, RetentionDto } from './purpose-parts.dto';

const LIST_MAX = 100;
const TEXT_MAX = 4000;

/**
 * The editable art. 30 content of a purpose, shared by create and update. On a sub-purpose,
 * a property left unset (or set to null in an update) is inherited from the parent.
 */
export class PurposeDeclarationDto {
  @ApiPropertyOptional({ type: String, example: 'Monthly newsletter', description: 'Cannot be cleared' })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'Send the monthly newsletter to subscribers.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  description?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'marketing',
    description: 'Code of the parent purpose (only while draft)',
  })
  @IsOptional()
  @Matches(PURPOSE_CODE_PATTERN, { message: 'parentCode must be a purpose code' })
  @MaxLength(100)
  parentCode?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    enum: LegalBasis,
    example: LegalBasis.Consent,
    description: 'Art. 6(1) a–f',
  })
  @IsOptional()
  @IsEnum(LegalBasis)
  legalBasis?: LegalBasis | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Required when legalBasis is legitimate_interests',
    example: null,
  })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT_MAX)
  legitimateInterest?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    enum: SpecialCategoryCondition,
    example: SpecialCategoryCondition.ExplicitConsent,
    description: 'Art. 9(2) condition (or art. 10) allowing special-category data under this purpose',
  })
  @IsOptional()
  @IsEnum(SpecialCategoryCondition)
  specialCategoryCondition?: SpecialCategoryCondition | null;

  @ApiPropertyOptional({ nullable: true, type: PartyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => PartyDto)
  controller?: PartyDto | null;

  @ApiPropertyOptional({ nullable: true, type: [PartyDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => PartyDto)
  jointControllers?: PartyDto[] | null;

  @ApiPropertyOptional({ nullable: true, type: [ProcessorDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => ProcessorDto)
  processors?: ProcessorDto[] | null;

  @ApiPropertyOptional({ nullable: true, type: [String], example: ['customers', 'prospects'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  dataSubjectCategories?: string[] | null;

  @ApiPropertyOptional({
    nullable: true,
    type: [String],
    example: ['identity', 'contact'],
    description: 'Categories of personal data processed',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  dataCategories?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: [String], example: ['marketing team', 'e-mailing processor'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @MaxLength(300, { each: true })
  recipients?: string[] | null;

  @ApiPropertyOptional({
    nullable: true,
    type: [String],
    example: ['mailer'],
    description:
      'Processors of the processor register (codes) the data is disclosed to; their transfers outside the EEA are derived',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @Matches(PROCESSOR_CODE, { each: true, message: 'each recipientProcessors entry must be a processor code' })
  recipientProcessors?: string[] | null;

  @ApiPropertyOptional({ nullable: true, type: [InternationalTransferDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => InternationalTransferDto)
  internationalTransfers?: InternationalTransferDto[] | null;

  @ApiPropertyOptional({ nullable: true, type: RetentionDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RetentionDto)
  retention?: RetentionDto | null;

  @ApiPropertyOptional({
    nullable: true,
    type: [String],
    example: ['encryption at rest', 'role-based access'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  securityMeasures?: string[] | null;

  @ApiPropertyOptional({
    nullable: true,
    type: Boolean,
    example: false,
    description: 'Whether a DPIA (art. 35) is required',
  })
  @IsOptional()
  @IsBoolean()
  dpiaRequired?: boolean | null;
}
