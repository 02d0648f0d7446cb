import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AccessReason } from '../../../policies/access/access-reason';

export class FieldDecisionDto {
  @ApiProperty({ example: 'crm.customers.email' }) field!: string;
  @ApiProperty({ example: true }) allowed!: boolean;
  @ApiProperty({
    enum: AccessReason,
    example: AccessReason.Allowed,
    description: 'ALLOWED, or the first rule that failed (docs/access-check.md)',
  })
  reason!: AccessReason;
  @ApiPropertyOptional({
    enum: ['mask', 'pseudonymise', 'aggregate_only'],
    example: 'mask',
    description: 'What the application must do with an allowed value',
  })
  obligation?: string;
}

export class DecisionPurposeDto {
  @ApiProperty({ example: 'marketing.newsletter' }) code!: string;
  @ApiProperty({ example: 3, nullable: true, type: Number, description: 'null when the purpose is unknown' })
  version!: number | null;
}

export class AccessDecisionDto {
  @ApiProperty({
    format: 'uuid',
    example: 'e8b4c2a0-6d1f-4f3a-9b7c-5e2d1a0f9c8b',
    description: 'Id of the decision in the audit trail (target id)',
  })
  decisionId!: string;
  @ApiProperty({ enum: ['allow', 'deny', 'partial'], example: 'partial' }) decision!:
    'allow' | 'deny' | 'partial';
  @ApiProperty({ type: [FieldDecisionDto] }) fields!: FieldDecisionDto[];
  @ApiProperty({ type: DecisionPurposeDto }) purpose!: DecisionPurposeDto;
  @ApiProperty({ example: '2026-05-04T10:00:00.000Z' }) evaluatedAt!: string;
  @ApiProperty({ example: 42, description: 'Register revision the compiled policy was built from' })
  policyRevision!: number;
}

export class AccessBatchResultDto {
  @ApiProperty({ type: [AccessDecisionDto], description: 'One decision per check, in order' })
  results!: AccessDecisionDto[];
}

export class TrailStepDto {
  @ApiProperty({
    enum: AccessReason,
    example: AccessReason.ConsentWithdrawn,
    description: 'The rule (its reason code)',
  })
  rule!: AccessReason;
  @ApiProperty({ enum: ['pass', 'fail', 'not_applicable'], example: 'fail' }) outcome!: string;
  @ApiProperty({ example: 'consent withdrawn' }) detail!: string;
}

export class FieldExplanationDto extends FieldDecisionDto {
  @ApiProperty({ type: [TrailStepDto], description: 'Every rule evaluated, in order, up to the answer' })
  trail!: TrailStepDto[];
}

export class AccessExplanationDto {
  @ApiProperty({ enum: ['allow', 'deny', 'partial'], example: 'deny' }) decision!:
    'allow' | 'deny' | 'partial';
  @ApiProperty({ type: [FieldExplanationDto] }) fields!: FieldExplanationDto[];
  @ApiProperty({ type: DecisionPurposeDto }) purpose!: DecisionPurposeDto;
  @ApiProperty({ example: '2026-05-04T10:00:00.000Z' }) evaluatedAt!: string;
  @ApiProperty({ example: 42 }) policyRevision!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    example: '4c2e8f1a-9b3d-4e6f-a7c8-1d2e3f4a5b6c',
    description: 'Application evaluated as (null: authorisation not evaluated)',
  })
  applicationId!: string | null;
  @ApiProperty({
    enum: ['access.explained'],
    example: 'access.explained',
    description:
      'The audit event this explanation was recorded as. An explanation is audited (who looked at which ' +
      'purpose, fields and subject, and the answer), but it is not an application decision: it is never ' +
      'recorded as access.decision and is not counted in decision statistics or reports.',
  })
  recordedAs!: 'access.explained';
}
