import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageInfoDto } from '../../../common/pagination/cursor';
import type { Actor } from '../../../policies/principal';
import { LegalBasis, PurposeStatus, SpecialCategoryCondition } from '../purpose.model';
import { InternationalTransferDto, PartyDto, ProcessorDto, RetentionDto } from './purpose-parts.dto';

/** A purpose with its effective (own or inherited) art. 30 content. */
export class PurposeResponseDto {
  @ApiProperty({ format: 'uuid', example: '3f0c5a2e-8d1b-4c7a-9e44-0b6c2f1d9a17' }) id!: string;
  @ApiProperty({ example: 'marketing.newsletter' }) code!: string;
  @ApiProperty({ example: 'Monthly newsletter' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: 'Send the monthly newsletter to subscribers.' })
  description!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'marketing' }) parentCode!: string | null;
  @ApiProperty({ enum: PurposeStatus, example: PurposeStatus.Active }) status!: PurposeStatus;
  @ApiProperty({
    example: 3,
    description: 'Incremented by every change; send it in If-Match to update safely',
  })
  version!: number;
  @ApiProperty({ enum: LegalBasis, nullable: true, example: LegalBasis.Consent })
  legalBasis!: LegalBasis | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'Set when legalBasis is legitimate_interests',
  })
  legitimateInterest!: string | null;
  @ApiProperty({ enum: SpecialCategoryCondition, nullable: true, example: null })
  specialCategoryCondition!: SpecialCategoryCondition | null;
  @ApiProperty({ type: PartyDto, nullable: true }) controller!: PartyDto | null;
  @ApiProperty({ type: [PartyDto], nullable: true }) jointControllers!: PartyDto[] | null;
  @ApiProperty({ type: [ProcessorDto], nullable: true }) processors!: ProcessorDto[] | null;
  @ApiProperty({ type: [String], nullable: true, example: ['customers', 'prospects'] })
  dataSubjectCategories!: string[] | null;
  @ApiProperty({ type: [String], nullable: true, example: ['identity', 'contact'] })
  dataCategories!: string[] | null;
  @ApiProperty({ type: [String], nullable: true, example: ['marketing team', 'e-mailing processor'] })
  recipients!: string[] | null;
  @ApiProperty({ type: [String], nullable: true, example: ['mailer'], description: 'Processor codes' })
  recipientProcessors!: string[] | null;
  @ApiProperty({ type: [InternationalTransferDto], nullable: true })
  internationalTransfers!: InternationalTransferDto[] | null;
  @ApiProperty({ type: RetentionDto, nullable: true }) retention!: RetentionDto | null;
  @ApiProperty({ type: [String], nullable: true, example: ['encryption at rest', 'role-based access'] })
  securityMeasures!: string[] | null;
  @ApiProperty({ type: Boolean, nullable: true, example: false }) dpiaRequired!: boolean | null;
  @ApiProperty({
    description: 'Properties taken from an ancestor purpose, with that ancestor’s code',
    example: { controller: 'marketing', retention: 'marketing' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  inheritedFrom!: Record<string, string>;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'cnil.prospects',
    description: 'The CNIL preset the purpose was drafted from (GET /retention/presets), null if none',
  })
  presetCode!: string | null;
  @ApiProperty({ nullable: true, type: Date, example: '2025-02-03T10:15:00.000Z' }) activatedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, example: null }) retiredAt!: Date | null;
  @ApiProperty({ example: '2025-01-20T08:30:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2025-03-14T09:26:53.589Z' }) updatedAt!: Date;
  @ApiProperty({
    description: 'Principal id of the creator',
    example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59',
  })
  createdBy!: string;
  @ApiProperty({
    description: 'Principal id of the last editor',
    example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59',
  })
  updatedBy!: string;
}

export class PurposePageDto extends PageInfoDto {
  @ApiProperty({ type: [PurposeResponseDto] }) items!: PurposeResponseDto[];
}

export class ActorDto implements Actor {
  @ApiProperty({ enum: ['principal', 'system'], example: 'principal' }) type!: 'principal' | 'system';
  @ApiProperty({ example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59' }) id!: string;
  @ApiProperty({ example: 'Jeanne Martin (DPO)' }) name!: string;
}

export class PurposeVersionResponseDto {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({
    example: '3f0c5a2e-8d1b-4c7a-9e44-0b6c2f1d9a17',
    description:
      'The purpose this version belongs to: a code reused after a deleted draft is another purpose',
  })
  purposeId!: string;
  @ApiProperty({
    enum: ['created', 'updated', 'activated', 'retired', 'deleted'],
    example: 'updated',
    description: '`deleted`: a draft discarded before it was ever active (its code may be reused)',
  })
  change!: string;
  @ApiProperty({ type: [String], example: ['retention', 'recipients'] }) changedFields!: string[];
  @ApiProperty({
    description: 'The purpose as declared in this version (own values only)',
    example: {
      code: 'marketing.newsletter',
      name: 'Monthly newsletter',
      status: 'active',
      legalBasis: 'consent',
      recipients: ['marketing team', 'e-mailing processor'],
      retention: { duration: 'P3Y', trigger: 'last_interaction' },
    },
  })
  snapshot!: Record<string, unknown>;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty({ example: '2025-03-14T09:26:53.589Z' }) changedAt!: Date;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'c5b1f6de-7a2e-4f0b-9d3c-8e1a2b3c4d5e',
    description: 'Id of the HTTP request that made the change',
  })
  requestId!: string | null;
}

export class PurposeHistoryDto {
  @ApiProperty({ example: 'marketing.newsletter' }) code!: string;
  @ApiProperty({ type: [PurposeVersionResponseDto] }) versions!: PurposeVersionResponseDto[];
}
