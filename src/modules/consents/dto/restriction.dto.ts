import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { PURPOSE_CODE_PATTERN } from '../../purposes/purpose.model';
import { RestrictionKind } from '../consent.model';

export class CreateRestrictionDto {
  @ApiPropertyOptional({
    enum: RestrictionKind,
    default: RestrictionKind.Restriction,
    example: RestrictionKind.Restriction,
    description: 'restriction (art. 18) or objection (art. 21)',
  })
  @IsOptional()
  @IsEnum(RestrictionKind)
  kind?: RestrictionKind;

  @ApiPropertyOptional({
    type: [String],
    example: ['marketing.newsletter'],
    description:
      'Purposes concerned (and their sub-purposes); omit for every purpose (DPO only: an application names ' +
      'purposes it is authorised for)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @Matches(PURPOSE_CODE_PATTERN, { each: true, message: 'each purpose must be a purpose code' })
  @MaxLength(100, { each: true })
  purposes?: string[];

  @ApiProperty({ example: 'Accuracy contested by the subject (art. 18(1)(a))', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class LiftRestrictionDto {
  @ApiProperty({ example: 'Accuracy verified and corrected', maxLength: 2000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class RestrictionResponseDto {
  @ApiProperty({ format: 'uuid', example: 'a3d5e7f9-1b2c-4d6e-8f0a-2b4c6d8e0f1a' }) id!: string;
  @ApiProperty({ example: 'customer-42' }) subjectId!: string;
  @ApiProperty({ enum: RestrictionKind, example: RestrictionKind.Restriction }) kind!: RestrictionKind;
  @ApiProperty({
    type: [String],
    nullable: true,
    example: ['marketing.newsletter'],
    description: 'null: every purpose',
  })
  purposes!: string[] | null;
  @ApiProperty({ example: 'Accuracy contested by the subject (art. 18(1)(a))' }) reason!: string;
  @ApiProperty({ example: '2026-03-01T10:15:00.000Z' }) setAt!: Date;
  @ApiProperty({ example: 'b3c1…' }) setBy!: string;
  @ApiProperty({ nullable: true, type: Date, example: null }) liftedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, example: null }) liftedBy!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) liftReason!: string | null;
  @ApiProperty({ example: true }) active!: boolean;
}

export class SubjectRestrictionsDto {
  @ApiProperty({ example: 'customer-42' }) subjectId!: string;
  @ApiProperty({ type: [RestrictionResponseDto], description: 'Newest first' })
  items!: RestrictionResponseDto[];
}
