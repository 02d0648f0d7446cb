import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { INTERACTION_KIND_PATTERN, INTERACTIONS_PER_IMPORT } from '../interaction.model';
import { IsSubjectId } from './subject-id.validator';

/** A contact that came from the subject (not one the organisation made: a newsletter sent is none). */
export class RecordInteractionDto {
  @ApiProperty({
    example: 'purchase',
    description:
      'What the subject did: a lowercase word such as purchase, reply, sign_in, form, call, link_click',
    maxLength: 50,
  })
  @Matches(INTERACTION_KIND_PATTERN, {
    message: 'kind must be a lowercase word of letters, digits, "_", "-" or "." (at most 50)',
  })
  kind!: string;

  @ApiProperty({ example: 'web-shop/checkout', description: 'Which application saw it', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  source!: string;

  @ApiPropertyOptional({
    example: '2026-03-01T10:15:00Z',
    description: 'When the subject made contact; defaults to now (not in the future)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;
}

export class ImportInteractionRowDto extends RecordInteractionDto {
  @ApiProperty({ example: 'customer-42', maxLength: 200 })
  @IsSubjectId()
  subjectId!: string;
}

export class ImportInteractionsDto {
  @ApiProperty({
    type: [ImportInteractionRowDto],
    description: `1 to ${INTERACTIONS_PER_IMPORT} contacts, all recorded or none`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INTERACTIONS_PER_IMPORT)
  @ValidateNested({ each: true })
  @Type(() => ImportInteractionRowDto)
  interactions!: ImportInteractionRowDto[];
}

export class InteractionRecordDto {
  @ApiProperty({ format: 'uuid', example: '7d9f1b3c-5e7a-4c9e-8b1d-3f5a7c9e1b2d' }) id!: string;
  @ApiProperty({ example: 'customer-42' }) subjectId!: string;
  @ApiProperty({ example: 'purchase' }) kind!: string;
  @ApiProperty({ example: 'web-shop/checkout' }) source!: string;
  @ApiProperty({ example: '2026-03-01T10:15:00.000Z' }) occurredAt!: Date;
  @ApiProperty({ example: '2026-03-01T10:15:01.000Z' }) recordedAt!: Date;
}

export class InteractionImportResultDto {
  @ApiProperty({ format: 'uuid', example: '1c3e5a7b-9d2f-4b6c-8e0a-4d6f8b0c2e4a' }) importId!: string;
  @ApiProperty({ example: 250 }) imported!: number;
}
