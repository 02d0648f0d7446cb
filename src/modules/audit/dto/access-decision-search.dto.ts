import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageInfoDto, PageQueryDto } from '../../../common/pagination/cursor';
import { AuditActorDto } from './audit.response.dto';

/** Filters of GET /audit/decisions: the recorded access decisions (`access.decision` events). */
export class SearchAccessDecisionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    example: '8a6e0804-2bd0-4672-b79d-d97027f9071a',
    description: 'Application principal id',
  })
  @IsOptional()
  @IsUUID()
  application?: string;

  @ApiPropertyOptional({ example: 'marketing.newsletter', description: 'Purpose code (exact)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  purpose?: string;

  @ApiPropertyOptional({ example: 'crm.customers.email', description: 'A field the decision was about' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  field?: string;

  @ApiPropertyOptional({
    example: 'CONSENT_WITHDRAWN',
    description: 'A per-field reason (with `field`: the reason given for that field)',
  })
  @IsOptional()
  @Matches(/^[A-Z][A-Z_]{0,63}$/, { message: 'reason must be a reason code such as CONSENT_WITHDRAWN' })
  reason?: string;

  @ApiPropertyOptional({ enum: ['allow', 'deny', 'partial'], example: 'deny' })
  @IsOptional()
  @IsIn(['allow', 'deny', 'partial'])
  decision?: 'allow' | 'deny' | 'partial';

  @ApiPropertyOptional({
    example: 'customer-42',
    description: 'Data subject id in clear: the service hashes it (HMAC) and searches the stored keyed hash',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subjectId?: string;

  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', description: 'Decisions at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-02-01T00:00:00Z', description: 'Decisions before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class DecisionFieldDto {
  @ApiProperty({ example: 'crm.customers.email' }) field!: string;
  @ApiProperty({ example: false }) allowed!: boolean;
  @ApiProperty({ example: 'CONSENT_WITHDRAWN', description: 'ALLOWED, or the first rule that failed' })
  reason!: string;
  @ApiPropertyOptional({ example: 'mask', description: 'What the application had to do with the value' })
  obligation?: string;
}

/** One recorded access decision, as the trail holds it. */
export class AccessDecisionRecordDto {
  @ApiProperty({ example: 1042, description: 'Sequence number of the event in the audit trail' })
  seq!: number;
  @ApiProperty({ example: 'e8b4c2a0-6d1f-4f3a-9b7c-5e2d1a0f9c8b', nullable: true, type: String })
  decisionId!: string | null;
  @ApiProperty({ example: '2026-03-01T10:15:30.123Z' }) occurredAt!: string;
  @ApiProperty({ type: AuditActorDto, description: 'The application that asked' })
  application!: AuditActorDto;
  @ApiProperty({ example: 'marketing.newsletter', nullable: true, type: String }) purposeCode!: string | null;
  @ApiProperty({ enum: ['allow', 'deny', 'partial'], example: 'partial' }) decision!: string;
  @ApiProperty({ example: 'read' }) action!: string;
  @ApiProperty({ type: [DecisionFieldDto] }) fields!: DecisionFieldDto[];
  @ApiProperty({
    example: 42,
    nullable: true,
    type: Number,
    description: 'Register revision the decision was taken under',
  })
  policyRevision!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '3f1c9a…',
    description: 'HMAC-SHA-256 of the data subject id (the id itself is never stored)',
  })
  subjectRef!: string | null;
}

export class AccessDecisionRecordPageDto extends PageInfoDto {
  @ApiProperty({ type: [AccessDecisionRecordDto] }) items!: AccessDecisionRecordDto[];
}
