import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageInfoDto, PageQueryDto } from '../../../common/pagination/cursor';
import { ActorDto } from '../../purposes/dto/purpose.response.dto';

export const RUN_KINDS = ['on_demand', 'scheduled', 'erasure', 'consent_withdrawal'] as const;
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export const DATASET_STATUSES = [
  'pending',
  'running',
  'waiting',
  'completed',
  'failed',
  'cancelled',
] as const;

export class CreateRetentionRunDto {
  @ApiPropertyOptional({ example: 'crm', description: 'Only this system (absent: every system)' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { message: 'system must be a system code' })
  @MaxLength(100)
  system?: string;

  @ApiPropertyOptional({
    example: 'public.customers',
    description: 'Only this dataset: its id, or its `schema.table` name (with `system` when ambiguous)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_$.-]{1,200}$/, { message: 'dataset must be a dataset id or schema.table name' })
  dataset?: string;

  @ApiProperty({ example: true, description: 'Compute the counts and a sample of row keys; change nothing' })
  @IsBoolean()
  dryRun!: boolean;
}

export class ListRetentionRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RUN_STATUSES, example: 'completed' })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: (typeof RUN_STATUSES)[number];

  @ApiPropertyOptional({ enum: RUN_KINDS, example: 'scheduled' })
  @IsOptional()
  @IsIn(RUN_KINDS)
  kind?: (typeof RUN_KINDS)[number];
}

export class RetentionExemptionDto {
  @ApiProperty({
    enum: [
      'legal_hold',
      'legal_obligation',
      'subject_not_locatable',
      'referenced_rows',
      'field_not_purgeable',
    ],
    example: 'legal_hold',
    description:
      '`subject_not_locatable`: the dataset declares no subject column, so the rows of a subject (erasure, consent withdrawal, subject hold) cannot be found there; ' +
      '`referenced_rows`: rows another table references (by `constraint`) are anonymised instead of deleted; ' +
      "`field_not_purgeable`: the field's strategy cannot apply to its column (nullify on NOT NULL), its values go only with their rows",
  })
  kind!: string;
  @ApiPropertyOptional({ example: 'payment_customer_id_fkey' }) constraint?: string;
  @ApiProperty({ example: 'Litigation 2026-CV-118' }) reason!: string;
  @ApiPropertyOptional({ format: 'uuid', example: '0b6f3f2e-5a0e-4c55-9d55-2b1f8f7c9a10' }) holdId?: string;
  @ApiPropertyOptional({ example: 'accounting.invoices' }) purposeCode?: string;
  @ApiPropertyOptional({ type: [String], example: ['crm.customers.name'] }) fields?: string[];
}

export class RetentionKeptRowsDto {
  @ApiProperty({
    example: 'constraint:payment_customer_id_fkey',
    description:
      '`constraint:<name>` (referenced, anonymised instead of deleted) or `field:<key>` (not purgeable)',
  })
  reason!: string;
  @ApiProperty({ example: 120 }) rows!: number;
}

export class RetentionCountsDto {
  @ApiProperty({ example: 12000, description: 'Rows examined' }) scanned!: number;
  @ApiProperty({ example: 3100, description: 'Rows deleted (dry run: would be)' }) deleted!: number;
  @ApiProperty({ example: 420, description: 'Rows with some fields anonymised (dry run: would be)' })
  anonymised!: number;
  @ApiProperty({ example: 7, description: 'Rows due but kept by a legal hold' }) held!: number;
  @ApiProperty({ example: 3, description: 'Rows whose trigger column is empty (expiry cannot be proven)' })
  undated!: number;
  @ApiProperty({ example: 0, description: 'Failed batches or datasets' }) errors!: number;
}

export class RetentionRunDatasetDto extends RetentionCountsDto {
  @ApiProperty({ example: 'crm' }) system!: string;
  @ApiProperty({ example: '6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f' }) datasetId!: string;
  @ApiProperty({ example: 'public.customers' }) dataset!: string;
  @ApiProperty({ enum: ['postgres', 'mysql', 'webhook', 'manual'], example: 'postgres' }) executor!: string;
  @ApiProperty({ enum: DATASET_STATUSES, example: 'completed' }) status!: string;
  @ApiProperty({ example: 13, description: 'Committed batches' }) batches!: number;
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
    example: [['1042'], ['1043']],
    description: 'Dry run: a sample of the primary keys of rows concerned',
  })
  sampleKeys!: string[][];
  @ApiProperty({ type: [RetentionExemptionDto] }) exemptions!: RetentionExemptionDto[];
  @ApiProperty({
    type: [RetentionKeptRowsDto],
    description: 'Rows due that kept something, per reason (see exemptions); never fails the run',
  })
  kept!: RetentionKeptRowsDto[];
  @ApiProperty({
    example: 12,
    description:
      'Rows whose values were moved to the intermediate archive table (dry run: would be; ADR 0052)',
  })
  archived!: number;
  @ApiProperty({
    example: 3,
    description: 'Archived rows deleted at the end of their archive phase (dry run: would be)',
  })
  archiveDeleted!: number;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
  @ApiProperty({ nullable: true, type: Date, example: '2026-05-10T03:00:02.000Z' }) startedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, example: '2026-05-10T03:01:45.000Z' }) finishedAt!: Date | null;
}

export class RetentionRunResponseDto {
  @ApiProperty({ format: 'uuid', example: '2d7b1c9e-3a4f-4e8b-9c1d-0f2e3a4b5c6d' }) id!: string;
  @ApiProperty({ enum: RUN_KINDS, example: 'on_demand' }) kind!: string;
  @ApiProperty({ enum: RUN_STATUSES, example: 'completed' }) status!: string;
  @ApiProperty({ example: false }) dryRun!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'crm' }) system!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) datasetId!: string | null;
  @ApiProperty({ example: false }) cancelRequested!: boolean;
  @ApiProperty({ type: ActorDto }) requestedBy!: ActorDto;
  @ApiProperty({ example: '2026-05-10T03:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date, example: '2026-05-10T03:00:01.000Z' }) startedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, example: '2026-05-10T03:02:17.000Z' }) finishedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
  @ApiProperty({ type: RetentionCountsDto }) totals!: RetentionCountsDto;
  @ApiProperty({ type: [RetentionRunDatasetDto] }) datasets!: RetentionRunDatasetDto[];
}

export class RetentionRunPageDto extends PageInfoDto {
  @ApiProperty({ type: [RetentionRunResponseDto] }) items!: RetentionRunResponseDto[];
}

export class OverdueDatasetDto {
  @ApiProperty({ example: 'crm' }) system!: string;
  @ApiProperty({ example: '6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f' }) datasetId!: string;
  @ApiProperty({ example: 'public.customers' }) dataset!: string;
  @ApiProperty({ enum: ['postgres', 'mysql', 'webhook', 'manual'], example: 'postgres' }) executor!: string;
  @ApiProperty({
    example: true,
    description: 'false: the system is not reachable by Finalité (webhook, manual)',
  })
  measurable!: boolean;
  @ApiProperty({ nullable: true, type: Number, example: 3100, description: 'Rows due now (not held)' })
  dueRows!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 7 }) heldRows!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 3 }) undatedRows!: number | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    example: '2025-11-02T10:00:00.000Z',
    description: 'Due since (oldest)',
  })
  oldestDueSince!: Date | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    example: 189,
    description: 'Days the oldest due row is overdue',
  })
  overdueDays!: number | null;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
}

export class OverdueResponseDto {
  @ApiProperty({ example: '2026-05-10T09:00:00.000Z' }) computedAt!: Date;
  @ApiProperty({ type: [OverdueDatasetDto] }) items!: OverdueDatasetDto[];
}

export class FieldRuleDto {
  @ApiProperty({ example: 'crm.customers.email' }) key!: string;
  @ApiProperty({ example: 'email' }) column!: string;
  @ApiProperty({ enum: ['bound', 'no_active_purpose', 'not_in_use', 'unbound'], example: 'bound' })
  state!: string;
  @ApiProperty({ example: { strategy: 'hash' } }) anonymisation!: { strategy: string; value?: string };
  @ApiProperty({
    example:
      "email: replaced by a keyed hash (the row is deleted once all its fields are due) once 3 years have passed since last_interaction and since the subject's latest contact recorded in Finalité (consent to marketing.newsletter granted or renewed, or an interaction recorded for the subject) (marketing.newsletter) or consent for marketing.newsletter is withdrawn",
  })
  rule!: string;
}

export class DatasetRuleDto {
  @ApiProperty({ example: 'crm' }) system!: string;
  @ApiProperty({ example: '6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f' }) datasetId!: string;
  @ApiProperty({ example: 'public.customers' }) dataset!: string;
  @ApiProperty({ type: [FieldRuleDto] }) fields!: FieldRuleDto[];
}

export class RetentionRulesResponseDto {
  @ApiProperty({ type: [DatasetRuleDto] }) items!: DatasetRuleDto[];
}

export class RetentionRulesQueryDto {
  @ApiPropertyOptional({ example: 'crm' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { message: 'system must be a system code' })
  @MaxLength(100)
  system?: string;
}
