import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageInfoDto } from '../../../common/pagination/cursor';
import { ChainBreakReason } from '../audit-chain-verifier';

export class AuditActorDto {
  @ApiProperty({ enum: ['principal', 'system'], example: 'principal' }) type!: 'principal' | 'system';
  @ApiProperty({ example: '8a6e0804-2bd0-4672-b79d-d97027f9071a' }) id!: string;
  @ApiProperty({ example: 'CRM backend' }) name!: string;
}

export class AuditTargetDto {
  @ApiProperty({ example: 'purpose' }) type!: string;
  @ApiProperty({ example: 'marketing.newsletter' }) id!: string;
}

/** One event of the trail, exactly as hashed (plus its hashes). */
export class AuditEventResponseDto {
  @ApiProperty({ example: 1042, description: 'Monotonic, gap-free sequence number' }) seq!: number;
  @ApiProperty({ example: '2026-03-01T10:15:30.123Z' }) occurredAt!: string;
  @ApiProperty({ example: 'access.decision' }) type!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ type: AuditTargetDto, nullable: true }) target!: AuditTargetDto | null;
  @ApiProperty({ type: String, nullable: true, example: 'marketing.newsletter' }) purposeCode!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'HMAC-SHA-256 of the data subject id (the id itself is never stored)',
    example: '3f1c…',
  })
  subjectRef!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { decision: 'deny', fields: [{ field: 'email', allowed: false, reason: 'CONSENT_WITHDRAWN' }] },
  })
  payload!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true, example: 'b7d3c1c6-3f6e-4a57-9a43-6c3f7f1d2e11' })
  requestId!: string | null;
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' })
  prevHash!: string;
  @ApiProperty({ example: '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752' }) hash!: string;
}

export class AuditEventPageDto extends PageInfoDto {
  @ApiProperty({ type: [AuditEventResponseDto] }) items!: AuditEventResponseDto[];
}

export class AuditCheckpointResponseDto {
  @ApiProperty({ example: 17 }) id!: number;
  @ApiProperty({ example: 1042, description: 'Sequence of the head that was signed' }) headSeq!: number;
  @ApiProperty({ example: '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752' })
  headHash!: string;
  @ApiProperty({ example: '2026-03-01T10:20:00.000Z' }) signedAt!: string;
  @ApiProperty({ example: 'c0ffee0123456789', description: 'Names the signing key (see /audit/public-key)' })
  keyId!: string;
  @ApiProperty({
    description: 'Ed25519 signature (base64) of canonical JSON {"headHash","headSeq","signedAt"}',
    example: 'q1w2e3…==',
  })
  signature!: string;
}

export class AuditCheckpointPageDto extends PageInfoDto {
  @ApiProperty({ type: [AuditCheckpointResponseDto] }) items!: AuditCheckpointResponseDto[];
}

export class AuditPublicKeyResponseDto {
  @ApiProperty({ enum: ['Ed25519'], example: 'Ed25519' }) algorithm!: 'Ed25519';
  @ApiProperty({ example: 'c0ffee0123456789' }) keyId!: string;
  @ApiProperty({ example: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA…\n-----END PUBLIC KEY-----\n' })
  publicKeyPem!: string;
}

export class AuditChainHeadDto {
  @ApiProperty({ example: 1042 }) seq!: number;
  @ApiProperty({ example: '60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752' }) hash!: string;
}

export class AuditChainBreakDto {
  @ApiProperty({ example: 731, description: 'The first sequence number at which the trail is wrong' })
  seq!: number;
  @ApiProperty({ enum: ChainBreakReason, example: ChainBreakReason.HashMismatch }) reason!: ChainBreakReason;
  @ApiProperty({ example: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8' })
  expected!: string;
  @ApiProperty({ example: '6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b' })
  found!: string;
  @ApiProperty({ example: 'Event seq 731 does not match its hash (its content was changed)' })
  message!: string;
}

export class AuditCheckpointSummaryDto {
  @ApiProperty({ example: 12 }) checked!: number;
  @ApiProperty({ example: 0, description: 'Signed by another key (not relied upon)' }) unverifiable!: number;
  @ApiProperty({ type: AuditCheckpointResponseDto, nullable: true })
  latest!: AuditCheckpointResponseDto | null;
}

export class AuditVerificationResponseDto {
  @ApiProperty({ example: true }) ok!: boolean;
  @ApiProperty({ example: 1 }) fromSeq!: number;
  @ApiProperty({ example: 1042 }) toSeq!: number;
  @ApiProperty({ example: 1042 }) checkedEvents!: number;
  @ApiProperty({ type: AuditChainHeadDto, nullable: true, description: 'Last event that verified' })
  head!: AuditChainHeadDto | null;
  @ApiProperty({ type: AuditCheckpointSummaryDto }) checkpoints!: AuditCheckpointSummaryDto;
  @ApiPropertyOptional({ type: AuditChainBreakDto, nullable: true }) firstBreak!: AuditChainBreakDto | null;
  @ApiProperty({ example: '2026-03-01T10:21:00.000Z' }) verifiedAt!: string;
}
