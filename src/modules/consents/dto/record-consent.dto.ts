import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEnum,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { PURPOSE_CODE_PATTERN } from '../../purposes/purpose.model';
import { ConsentStatus } from '../consent.model';
import { IsSubjectId } from './subject-id.validator';

/** Grant or withdraw consent to one purpose. */
export class RecordConsentDto {
  @ApiProperty({ example: 'marketing.newsletter', description: 'Code of a consent-based purpose' })
  @Matches(PURPOSE_CODE_PATTERN, { message: 'purpose must be a purpose code such as marketing.newsletter' })
  @MaxLength(100)
  purpose!: string;

  @ApiProperty({ enum: ConsentStatus, example: ConsentStatus.Granted })
  @IsEnum(ConsentStatus)
  status!: ConsentStatus;

  @ApiProperty({
    example: 'web-shop/signup-form',
    description: 'Which application or form collected it',
    maxLength: 200,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  source!: string;

  @ApiPropertyOptional({
    description: 'Evidence, free JSON up to 8 KB (form version, IP hash, the text shown…)',
    example: { formVersion: '2026-03', ipHash: 'sha256:9f2c…', text: 'I want the monthly newsletter' },
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  proof?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: 3,
    description: 'Version of the purpose consented to; defaults to its current version',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  purposeVersion?: number;

  @ApiPropertyOptional({
    example: '2026-03-01T10:15:00Z',
    description: 'When the subject gave or withdrew consent; defaults to now (not in the future)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;
}

/** One line of an NDJSON import: a consent event for one subject. */
export class ImportConsentRowDto extends RecordConsentDto {
  @ApiProperty({ example: 'customer-42', maxLength: 200 })
  @IsSubjectId()
  subjectId!: string;
}
