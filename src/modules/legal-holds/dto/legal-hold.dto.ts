import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, Matches, MaxLength, MinDate, MinLength } from 'class-validator';
import { ActorDto } from '../../purposes/dto/purpose.response.dto';
import type { LegalHoldScope } from '../entities/legal-hold.entity';

export const LEGAL_HOLD_SCOPES: LegalHoldScope[] = ['subject', 'dataset', 'system'];

export class PlaceLegalHoldDto {
  @ApiProperty({ enum: LEGAL_HOLD_SCOPES, example: 'subject', description: 'What the hold covers' })
  @IsIn(LEGAL_HOLD_SCOPES)
  scope!: LegalHoldScope;

  @ApiPropertyOptional({ example: 'cust-4711', description: 'scope=subject: the data subject id' })
  @IsOptional()
  @IsString()
  @Matches(/^(?! )[^\p{C}]{1,200}(?<! )$/u, { message: 'subjectId must be 1–200 printable characters' })
  subjectId?: string;

  @ApiPropertyOptional({
    example: '6f1c2e9a-8d4b-4f7e-9a51-3c2d1b0a9e8f',
    description: 'scope=dataset: the registered dataset id',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/, { message: 'datasetId must be a dataset id' })
  datasetId?: string;

  @ApiPropertyOptional({ example: 'crm', description: 'scope=system: the registered system code' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { message: 'systemCode must be a system code' })
  @MaxLength(100)
  systemCode?: string;

  @ApiProperty({ example: 'Litigation 2026-CV-118: preserve until judgment', minLength: 3, maxLength: 1000 })
  @IsString()
  @MinLength(3)
  @MaxLength(1000)
  reason!: string;

  @ApiPropertyOptional({
    example: '2027-12-31T00:00:00Z',
    description: 'The hold ends by itself at this time (absent: until lifted)',
  })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(() => new Date(), { message: 'endsAt must be in the future' })
  endsAt?: Date;
}

export class ListLegalHoldsQueryDto {
  @ApiPropertyOptional({ enum: ['in_force', 'lifted', 'all'], default: 'in_force', example: 'in_force' })
  @IsOptional()
  @IsIn(['in_force', 'lifted', 'all'])
  state?: 'in_force' | 'lifted' | 'all';
}

export class LegalHoldResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b6f3f2e-5a0e-4c55-9d55-2b1f8f7c9a10' }) id!: string;
  @ApiProperty({ enum: LEGAL_HOLD_SCOPES, example: 'subject' }) scope!: LegalHoldScope;
  @ApiProperty({ nullable: true, type: String, example: 'cust-4711' }) subjectId!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) datasetId!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) systemCode!: string | null;
  @ApiProperty({ example: 'Litigation 2026-CV-118: preserve until judgment' }) reason!: string;
  @ApiProperty({ nullable: true, type: Date, example: '2027-12-31T00:00:00.000Z' }) endsAt!: Date | null;
  @ApiProperty({ example: true, description: 'Not lifted and not ended' }) inForce!: boolean;
  @ApiProperty({ type: ActorDto }) placedBy!: ActorDto;
  @ApiProperty({ example: '2026-05-10T09:00:00.000Z' }) placedAt!: Date;
  @ApiProperty({ type: ActorDto, nullable: true }) liftedBy!: ActorDto | null;
  @ApiProperty({ nullable: true, type: Date, example: null }) liftedAt!: Date | null;
}

export class LegalHoldListDto {
  @ApiProperty({ type: [LegalHoldResponseDto] }) items!: LegalHoldResponseDto[];
}
