import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageInfoDto } from '../../../common/pagination/cursor';
import type { Actor } from '../../../policies/principal';
import { LegalBasis, PurposeStatus, SpecialCategoryCondition } from '../purpose.model';
import { InternationalTransferDto, PartyDto, ProcessorDto, RetentionDto } from './purpose-parts.dto';

/** A purpose with its effective (own or inherited) art. 30 content. */
export class PurposeResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'marketing.newsletter' }) code!: string;
  @ApiProperty({ example: 'Monthly newsletter' }) name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'marketing' }) parentCode!: string | null;
  @ApiProperty({ enum: PurposeStatus }) status!: PurposeStatus;
  @ApiProperty({
    example: 3,
    description: 'Incremented by every change; send it in If-Match to update safely',
  })
  version!: number;
  @ApiProperty({ enum: LegalBasis, nullable: true }) legalBasis!: LegalBasis | null;
  @ApiProperty({ nullable: true, type: String }) legitimateInterest!: string | null;
  @ApiProperty({ enum: SpecialCategoryCondition, nullable: true })
  specialCategoryCondition!: SpecialCategoryCondition | null;
  @ApiProperty({ type: PartyDto, nullable: true }) controller!: PartyDto | null;
  @ApiProperty({ type: [PartyDto], nullable: true }) jointControllers!: PartyDto[] | null;
  @ApiProperty({ type: [ProcessorDto], nullable: true }) processors!: ProcessorDto[] | null;
  @ApiProperty({ type: [String], nullable: true }) dataSubjectCategories!: string[] | null;
  @ApiProperty({ type: [String], nullable: true }) dataCategories!: string[] | null;
  @ApiProperty({ type: [String], nullable: true }) recipients!: string[] | null;
  @ApiProperty({ type: [InternationalTransferDto], nullable: true })
  internationalTransfers!: InternationalTransferDto[] | null;
  @ApiProperty({ type: RetentionDto, nullable: true }) retention!: RetentionDto | null;
  @ApiProperty({ type: [String], nullable: true }) securityMeasures!: string[] | null;
  @ApiProperty({ type: Boolean, nullable: true }) dpiaRequired!: boolean | null;
  @ApiProperty({
    description: 'Properties taken from an ancestor purpose, with that ancestor’s code',
    example: { controller: 'marketing', retention: 'marketing' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  inheritedFrom!: Record<string, string>;
  @ApiProperty({ nullable: true, type: Date }) activatedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) retiredAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiProperty({ description: 'Principal id of the creator' }) createdBy!: string;
  @ApiProperty({ description: 'Principal id of the last editor' }) updatedBy!: string;
}

export class PurposePageDto extends PageInfoDto {
  @ApiProperty({ type: [PurposeResponseDto] }) items!: PurposeResponseDto[];
}

export class ActorDto implements Actor {
  @ApiProperty({ enum: ['principal', 'system'] }) type!: 'principal' | 'system';
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class PurposeVersionResponseDto {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ enum: ['created', 'updated', 'activated', 'retired'] }) change!: string;
  @ApiProperty({ type: [String], example: ['retention', 'recipients'] }) changedFields!: string[];
  @ApiProperty({ description: 'The purpose as declared in this version (own values only)' })
  snapshot!: Record<string, unknown>;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty() changedAt!: Date;
  @ApiPropertyOptional({ nullable: true, type: String }) requestId!: string | null;
}

export class PurposeHistoryDto {
  @ApiProperty({ example: 'marketing.newsletter' }) code!: string;
  @ApiProperty({ type: [PurposeVersionResponseDto] }) versions!: PurposeVersionResponseDto[];
}
