import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AccessReason } from '../../access/decision/access-reason';
import { GapCode, GapSeverity } from '../builders/compliance-gap';
import { ReportKind } from '../report.model';

/** Shapes of the JSON reports (documentation only: the documents are streamed, not serialised DTOs). */

export class ReportPeriodDto {
  @ApiProperty({ example: '2026-10-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) to!: string;
}

export class ChainHeadDto {
  @ApiProperty({ example: 1842 }) seq!: number;
  @ApiProperty({ example: '9f2c…e1', description: 'SHA-256 (hex) of the last event of the audit chain' })
  hash!: string;
  @ApiProperty({ example: true, description: 'False when the chain up to this head does not verify' })
  verified!: boolean;
}

export class ReportMetaDto {
  @ApiProperty({ enum: ReportKind, example: ReportKind.Ropa }) report!: ReportKind;
  @ApiProperty({ example: 'Record of processing activities' }) title!: string;
  @ApiProperty({ example: '2026-11-23T08:00:00.000Z' }) generatedAt!: string;
  @ApiProperty({ enum: ['en', 'fr'], example: 'en' }) lang!: string;
  @ApiProperty({ type: ReportPeriodDto, nullable: true, description: 'null for ropa and integrity' })
  period!: ReportPeriodDto | null;
  @ApiProperty({ type: ChainHeadDto, nullable: true, description: 'Audit chain head at generation time' })
  auditChainHead!: ChainHeadDto | null;
}

export class RopaSystemDto {
  @ApiProperty({ example: 'crm' }) key!: string;
  @ApiProperty({ example: 'CRM' }) name!: string;
  @ApiProperty({ type: [String], example: ['public.customers'] }) datasets!: string[];
}

export class RopaCategoryDto {
  @ApiProperty({ example: 'contact' }) category!: string;
  @ApiProperty({ example: 4 }) fieldCount!: number;
  @ApiProperty({ example: false }) special!: boolean;
  @ApiProperty({ type: [String], example: ['crm'] }) systems!: string[];
}

export class RopaRetentionDto {
  @ApiProperty({ example: 'P3Y' }) duration!: string;
  @ApiProperty({ example: 'last_interaction' }) trigger!: string;
  @ApiProperty({ example: '3 years from the last interaction' }) description!: string;
}

export class RopaEntryDto {
  @ApiProperty({ example: 'marketing.newsletter' }) code!: string;
  @ApiProperty({ example: 'Monthly newsletter' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: 'Newsletter to subscribers' }) description!:
    string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) parentCode!: string | null;
  @ApiProperty({ example: 3 }) version!: number;
  @ApiProperty({ nullable: true, type: String, example: '2026-01-10T09:00:00.000Z' }) activatedAt!:
    string | null;
  @ApiProperty({ example: { name: 'ACME SAS', contact: 'dpo@acme.example' }, nullable: true })
  controller!: Record<string, string> | null;
  @ApiProperty({ example: [], type: 'array', items: { type: 'object' } }) jointControllers!: object[];
  @ApiProperty({
    example: [{ name: 'Mailer Inc.', service: 'e-mailing', country: 'IE' }],
    type: 'array',
    items: { type: 'object' },
  })
  processors!: object[];
  @ApiProperty({ nullable: true, type: String, example: 'consent' }) legalBasis!: string | null;
  @ApiProperty({ example: 'Consent (art. 6(1)(a))' }) legalBasisLabel!: string;
  @ApiProperty({ nullable: true, type: String, example: null }) legitimateInterest!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) specialCategoryCondition!: string | null;
  @ApiProperty({ type: [String], example: ['customers'] }) dataSubjectCategories!: string[];
  @ApiProperty({ type: [String], example: ['identity', 'contact'] }) dataCategories!: string[];
  @ApiProperty({ type: [String], example: ['marketing team'] }) recipients!: string[];
  @ApiProperty({
    example: [{ country: 'US', recipient: 'Mailer Inc.', safeguard: 'SCCs' }],
    type: 'array',
    items: { type: 'object' },
  })
  internationalTransfers!: object[];
  @ApiProperty({ type: RopaRetentionDto, nullable: true }) retention!: RopaRetentionDto | null;
  @ApiProperty({ type: [String], example: ['encryption at rest'] }) securityMeasures!: string[];
  @ApiProperty({ nullable: true, type: Boolean, example: false }) dpiaRequired!: boolean | null;
  @ApiProperty({ type: [RopaSystemDto], nullable: true, description: 'null when no inventory is available' })
  systems!: RopaSystemDto[] | null;
  @ApiProperty({ type: [RopaCategoryDto], nullable: true }) inventoryCategories!: RopaCategoryDto[] | null;
  @ApiProperty({ nullable: true, type: Number, example: 12 }) fieldCount!: number | null;
}

export class RopaPartyDto {
  @ApiProperty({ example: 'Claire Martin' }) name!: string;
  @ApiProperty({ example: 'dpo@acme.example' }) contact!: string;
}

export class RopaOrganisationDto {
  @ApiProperty({ example: 'ACME SAS' }) name!: string;
  @ApiProperty({ example: '12 rue de la Paix\n75002 Paris\nFrance' }) address!: string;
  @ApiProperty({ example: 'privacy@acme.example' }) contact!: string;
  @ApiProperty({ example: true }) establishedInEu!: boolean;
  @ApiProperty({ type: RopaPartyDto, nullable: true }) dpo!: RopaPartyDto | null;
  @ApiProperty({ type: RopaPartyDto, nullable: true, description: 'EU representative (art. 27)' })
  representative!: RopaPartyDto | null;
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ example: '2026-11-30T09:00:00.000Z' }) updatedAt!: string;
}

export class RopaReportDto extends ReportMetaDto {
  @ApiProperty({ example: true, description: 'false: the organisation module is not installed' })
  organisationAvailable!: boolean;
  @ApiProperty({
    type: RopaOrganisationDto,
    nullable: true,
    description: 'Art. 30(1)(a): the controller, its DPO and EU representative (null: not declared)',
  })
  organisation!: RopaOrganisationDto | null;
  @ApiProperty({ example: true }) inventoryAvailable!: boolean;
  @ApiProperty({ example: 12 }) purposeCount!: number;
  @ApiProperty({ type: [RopaEntryDto] }) entries!: RopaEntryDto[];
}

export class GapObjectDto {
  @ApiProperty({ enum: ['purpose', 'field', 'system', 'dataset', 'organisation'], example: 'purpose' })
  type!: string;
  @ApiProperty({ example: 'marketing.newsletter' }) id!: string;
}

export class ComplianceGapDto {
  @ApiProperty({ enum: GapCode, example: GapCode.TransferWithoutSafeguard }) code!: GapCode;
  @ApiProperty({ enum: GapSeverity, example: GapSeverity.High }) severity!: GapSeverity;
  @ApiProperty({
    example: 'Purpose marketing.newsletter transfers data to US without a safeguard (art. 44–49)',
  })
  message!: string;
  @ApiProperty({ example: '/purposes/marketing.newsletter', description: 'API path of the object to fix' })
  link!: string;
  @ApiProperty({ type: GapObjectDto }) object!: GapObjectDto;
  @ApiPropertyOptional({ example: { countries: ['US'] } }) details?: Record<string, unknown>;
}

export class GapSummaryDto {
  @ApiProperty({ example: 3 }) total!: number;
  @ApiProperty({ example: { high: 2, medium: 1, low: 0 } }) bySeverity!: Record<string, number>;
  @ApiProperty({ example: { TRANSFER_WITHOUT_SAFEGUARD: 1 } }) byCode!: Record<string, number>;
}

export class GapsReportDto extends ReportMetaDto {
  @ApiProperty({
    type: [String],
    example: [],
    description: 'Gap kinds that could not be checked (their data source is not installed)',
  })
  unavailableChecks!: string[];
  @ApiProperty({ type: [ComplianceGapDto] }) gaps!: ComplianceGapDto[];
  @ApiProperty({ type: GapSummaryDto, description: 'Written after the list (counted while streaming)' })
  summary!: GapSummaryDto;
}

export class AccessRowDto {
  @ApiProperty({ format: 'uuid', example: '3f0c2b1e-8d4b-4f7e-9a51-3c2d1b0a9e8f' }) applicationId!: string;
  @ApiProperty({ example: 'crm-app', description: 'Display name (not unique: use applicationId)' })
  application!: string;
  @ApiProperty({ example: 'marketing.newsletter' }) purposeCode!: string;
  @ApiProperty({ example: 'deny' }) outcome!: string;
  @ApiProperty({ example: 42 }) count!: number;
}

export class DenialSpikeDto {
  @ApiProperty({ example: 'crm-app' }) application!: string;
  @ApiProperty({ example: 40 }) denials!: number;
  @ApiProperty({ example: 5 }) previousDenials!: number;
  @ApiProperty({ nullable: true, type: Number, example: 8 }) ratio!: number | null;
  @ApiProperty({ type: [String], example: ['marketing.newsletter'] }) purposes!: string[];
}

export class ArchiveAccessesDto {
  @ApiProperty({ example: 3, description: 'Archive-phase decisions (phase "archive"), allowed or denied' })
  decisions!: number;
  @ApiProperty({ example: { allow: 2, deny: 1 } }) byOutcome!: Record<string, number>;
  @ApiProperty({ type: [AccessRowDto] }) rows!: AccessRowDto[];
}

/** How many refused fields gave one reason (the first failing rule, docs/access-check.md). */
export class DenialReasonCountDto {
  @ApiProperty({ enum: AccessReason, example: AccessReason.ConsentWithdrawn })
  reason!: AccessReason;
  @ApiProperty({ example: 30, description: 'Refused fields (a decision refusing three fields counts three)' })
  count!: number;
}

export class AccessReportDto extends ReportMetaDto {
  @ApiProperty({ example: { decisions: 1200, byOutcome: { allow: 1150, deny: 50 } } })
  totals!: Record<string, unknown>;
  @ApiProperty({ type: ReportPeriodDto }) previousPeriod!: ReportPeriodDto;
  @ApiProperty({ type: [AccessRowDto], description: 'Every decision, both phases' })
  rows!: AccessRowDto[];
  @ApiProperty({
    type: ArchiveAccessesDto,
    description:
      'Accesses to the intermediate archive, counted apart (they are also in totals and rows; the CSV ' +
      'lists rows only)',
  })
  archiveAccesses!: ArchiveAccessesDto;
  @ApiProperty({ type: [DenialReasonCountDto], description: 'The most frequent reasons, at most 10' })
  topDenialReasons!: DenialReasonCountDto[];
  @ApiProperty({ type: [DenialSpikeDto] }) unusualPatterns!: DenialSpikeDto[];
}

export class RetentionRowDto {
  @ApiProperty({ example: 'crm' }) systemKey!: string;
  @ApiProperty({ example: 'public.customers' }) datasetKey!: string;
  @ApiProperty({ example: 120 }) deleted!: number;
  @ApiProperty({ example: 30 }) anonymised!: number;
  @ApiProperty({ example: 2 }) held!: number;
  @ApiProperty({ example: 0 }) failures!: number;
  @ApiProperty({ example: 15, description: 'Rows past retention now' }) overdue!: number;
}

export class RetentionReportDto extends ReportMetaDto {
  @ApiProperty({ example: 30 }) runs!: number;
  @ApiProperty({ example: 1 }) failedRuns!: number;
  @ApiProperty({ example: { deleted: 120, anonymised: 30, held: 2, failures: 0, overdue: 15 } })
  totals!: Record<string, number>;
  @ApiProperty({ type: [RetentionRowDto] }) rows!: RetentionRowDto[];
  @ApiProperty({ example: [], type: 'array', items: { type: 'object' } }) failures!: object[];
  @ApiProperty({ example: { total: 15, rows: [] } }) overdue!: Record<string, unknown>;
}

export class IntegrityReportDto extends ReportMetaDto {
  @ApiProperty({
    example: {
      valid: true,
      checkedEvents: 1842,
      fromSeq: 1,
      toSeq: 1842,
      head: { seq: 1842, hash: '9f2c…' },
    },
  })
  verification!: Record<string, unknown>;
  @ApiProperty({
    nullable: true,
    example: {
      seq: 1800,
      hash: '51ab…',
      signature: 'base64…',
      algorithm: 'Ed25519',
      signedMessage: '…',
      publicKeyPem: '-----BEGIN PUBLIC KEY-----…',
    },
  })
  checkpoint!: Record<string, unknown> | null;
  @ApiProperty({ type: [String], example: ['Export the trail and recompute each hash…'] })
  howToVerify!: string[];
  @ApiProperty({ example: 'docs/audit.md' }) documentation!: string;
}
