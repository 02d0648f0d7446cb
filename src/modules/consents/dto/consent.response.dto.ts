import { ApiProperty } from '@nestjs/swagger';
import { ConsentStatus } from '../consent.model';

export class ConsentRecordDto {
  @ApiProperty({ format: 'uuid', example: '7d9f1b3c-5e7a-4c9e-8b1d-3f5a7c9e1b2d' }) id!: string;
  @ApiProperty({ example: 'customer-42' }) subjectId!: string;
  @ApiProperty({ example: 'marketing.newsletter' }) purpose!: string;
  @ApiProperty({ enum: ConsentStatus, example: ConsentStatus.Granted }) status!: ConsentStatus;
  @ApiProperty({ example: 3 }) purposeVersion!: number;
  @ApiProperty({ example: 'web-shop/signup-form' }) source!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { formVersion: '2026-03', text: 'I want the monthly newsletter' },
  })
  proof!: Record<string, unknown>;
  @ApiProperty({ example: '2026-03-01T10:15:00.000Z' }) occurredAt!: Date;
  @ApiProperty({ example: '2026-03-01T10:15:01.000Z' }) recordedAt!: Date;
  @ApiProperty({ description: 'Principal id that recorded it', example: 'b3c1…' }) recordedBy!: string;
}

export class ConsentCurrentDto {
  @ApiProperty({ example: 'marketing.newsletter' }) purpose!: string;
  @ApiProperty({ enum: ConsentStatus, example: ConsentStatus.Withdrawn }) status!: ConsentStatus;
  @ApiProperty({ example: 3 }) purposeVersion!: number;
  @ApiProperty({ example: 'web-shop/preferences' }) source!: string;
  @ApiProperty({ example: '2026-04-02T08:00:00.000Z' }) occurredAt!: Date;
}

export class SubjectConsentsDto {
  @ApiProperty({ example: 'customer-42' }) subjectId!: string;
  @ApiProperty({ type: [ConsentCurrentDto], description: 'Current state per purpose' })
  current!: ConsentCurrentDto[];
  @ApiProperty({ type: [ConsentRecordDto], description: 'Every grant and withdrawal, newest first' })
  history!: ConsentRecordDto[];
}

export class ConsentImportResultDto {
  @ApiProperty({
    format: 'uuid',
    example: '1c3e5a7b-9d2f-4b6c-8e0a-4d6f8b0c2e4a',
    description: 'Stamped on every imported consent event',
  })
  importId!: string;
  @ApiProperty({ example: 1200, description: 'Non-blank lines read' }) lines!: number;
  @ApiProperty({ example: 1200 }) imported!: number;
  @ApiProperty({ example: 1100 }) granted!: number;
  @ApiProperty({ example: 100 }) withdrawn!: number;
}

export class ConsentImportLineErrorDto {
  @ApiProperty({ example: 17, description: '1-based line number in the NDJSON body' }) line!: number;
  @ApiProperty({ example: ['status must be one of the following values: granted, withdrawn'] })
  problems!: string[];
}
