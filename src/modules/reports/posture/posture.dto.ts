import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { AccessOutcome } from '../../access/decision/access-reason';
import { GapCode, GapSeverity } from '../builders/compliance-gap';
import { DenialReasonCountDto, GapObjectDto, ReportPeriodDto } from '../dto/report-responses.dto';

/** The dashboard's period: the last `days` days up to now. */
export class PostureQueryDto {
  @ApiPropertyOptional({
    example: 30,
    default: 30,
    minimum: 1,
    maximum: 366,
    description: 'Length of the period (days up to now) for access decisions and gaps',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(366)
  days?: number;
}

export class PostureGapExampleDto {
  @ApiProperty({ example: 'Purpose marketing.newsletter has no retention rule' }) message!: string;
  @ApiProperty({ example: '/purposes/marketing.newsletter', description: 'API path of the object to fix' })
  link!: string;
  @ApiProperty({ type: GapObjectDto }) object!: GapObjectDto;
}

export class PostureGapKindDto {
  @ApiProperty({ enum: GapCode, example: GapCode.TransferWithoutSafeguard }) code!: GapCode;
  @ApiProperty({ enum: GapSeverity, example: GapSeverity.High }) severity!: GapSeverity;
  @ApiProperty({ example: 3 }) count!: number;
  @ApiProperty({ type: [PostureGapExampleDto], description: 'The first few gaps of this kind (at most 5)' })
  examples!: PostureGapExampleDto[];
}

export class PostureGapsDto {
  @ApiProperty({ example: 4 }) total!: number;
  @ApiProperty({ example: { high: 2, medium: 1, low: 1 } }) bySeverity!: Record<string, number>;
  @ApiProperty({ type: [PostureGapKindDto], description: 'Kinds with at least one gap, most severe first' })
  kinds!: PostureGapKindDto[];
  @ApiProperty({
    type: [String],
    example: [],
    description: 'Gap kinds that could not be checked (their data source is not installed)',
  })
  unavailableChecks!: string[];
}

export class PostureDailyDecisionsDto {
  @ApiProperty({ example: '2026-12-04', description: 'UTC day' }) day!: string;
  @ApiProperty({ enum: ['allow', 'deny', 'partial'], example: 'deny' }) outcome!: AccessOutcome;
  @ApiProperty({ example: 12 }) count!: number;
}

export class PostureDenialSpikeDto {
  @ApiProperty({ format: 'uuid', example: '3f0c2b1e-8d4b-4f7e-9a51-3c2d1b0a9e8f' }) applicationId!: string;
  @ApiProperty({ example: 'crm-app' }) application!: string;
  @ApiProperty({ example: 40 }) denials!: number;
  @ApiProperty({ example: 5 }) previousDenials!: number;
  @ApiProperty({ nullable: true, type: Number, example: 8 }) ratio!: number | null;
  @ApiProperty({ type: [String], example: ['marketing.newsletter'] }) purposes!: string[];
}

export class PostureAccessDto {
  @ApiProperty({ example: 1200 }) total!: number;
  @ApiProperty({ example: { allow: 1150, deny: 50 } }) byOutcome!: Record<string, number>;
  @ApiProperty({
    type: [PostureDailyDecisionsDto],
    description: 'Decisions per UTC day and outcome (days without decisions are absent)',
  })
  perDay!: PostureDailyDecisionsDto[];
  @ApiProperty({ type: [DenialReasonCountDto], description: 'The most frequent reasons, at most 10' })
  topDenialReasons!: DenialReasonCountDto[];
  @ApiProperty({
    type: [PostureDenialSpikeDto],
    description: 'Applications denied far more than in the previous period of equal length',
  })
  spikes!: PostureDenialSpikeDto[];
}

export class PostureChainHeadDto {
  @ApiProperty({ example: 1842 }) seq!: number;
  @ApiProperty({ example: '9f2c4b…e1', description: 'SHA-256 (hex) of the last event' }) hash!: string;
  @ApiProperty({
    example: true,
    description: 'Whether the events since the latest signed checkpoint verify up to this head',
  })
  verified!: boolean;
}

export class PostureCheckpointDto {
  @ApiProperty({ example: 1800 }) seq!: number;
  @ApiProperty({ example: '2026-12-05T06:00:00.000Z' }) signedAt!: string;
  @ApiProperty({ example: 3600, description: 'Seconds since it was signed' }) ageSeconds!: number;
}

export class PostureAuditChainDto {
  @ApiProperty({ type: PostureChainHeadDto, nullable: true, description: 'null: the trail is empty' })
  head!: PostureChainHeadDto | null;
  @ApiProperty({ type: PostureCheckpointDto, nullable: true, description: 'null: none signed yet' })
  lastCheckpoint!: PostureCheckpointDto | null;
}

/**
 * What the dashboard shows that no other route gives without exporting a document: gaps counted
 * by kind, decisions over time, denial spikes and the verified chain head. Overdue data, legal
 * holds and retention runs come from their own routes.
 */
export class PostureResponseDto {
  @ApiProperty({ example: '2026-12-05T07:00:00.000Z' }) generatedAt!: string;
  @ApiProperty({ type: ReportPeriodDto }) period!: ReportPeriodDto;
  @ApiProperty({ type: PostureGapsDto }) gaps!: PostureGapsDto;
  @ApiProperty({ type: PostureAccessDto, nullable: true, description: 'null: access module absent' })
  access!: PostureAccessDto | null;
  @ApiProperty({ type: PostureAuditChainDto, nullable: true, description: 'null: audit verification absent' })
  auditChain!: PostureAuditChainDto | null;
}
