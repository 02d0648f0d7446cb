import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsIsoDuration } from '../../../common/time/is-iso-duration.decorator';
import { RetentionTrigger } from '../purpose.model';

export class PartyDto {
  @ApiProperty({ example: 'ACME SAS' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name!: string;

  @ApiPropertyOptional({ example: 'dpo@acme.example' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  contact?: string;
}

export class ProcessorDto extends PartyDto {
  @ApiPropertyOptional({ example: 'newsletter sending' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  service?: string;

  @ApiPropertyOptional({ example: 'IE', description: 'ISO 3166-1 alpha-2' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as FR or US' })
  country?: string;
}

export class InternationalTransferDto {
  @ApiProperty({ example: 'US', description: 'ISO 3166-1 alpha-2 code of the destination' })
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as FR or US' })
  country!: string;

  @ApiPropertyOptional({ example: 'Mailer Inc.' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  recipient?: string;

  @ApiPropertyOptional({
    example: 'standard contractual clauses (2021/914)',
    description: 'Art. 44–49 safeguard; a transfer without one is reported as a compliance gap',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  safeguard?: string;
}

export class RetentionArchiveDto {
  @ApiProperty({
    example: 'P5Y',
    description: 'How long the archived values are kept after the active phase (ISO-8601, > 0)',
  })
  @IsIsoDuration()
  duration!: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'Limitation period for contract disputes (art. 2224 Code civil)',
    description: 'Why the values are kept (a limitation period, a legal obligation); its absence is a gap',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  legalReason?: string | null;
}

export class RetentionDto {
  @ApiProperty({
    example: 'P3Y',
    description: 'ISO-8601 duration with whole numbers (P3Y, P13M, P1Y6M, P30D)',
  })
  @IsIsoDuration()
  duration!: string;

  @ApiProperty({ enum: RetentionTrigger, example: RetentionTrigger.LastInteraction })
  @IsEnum(RetentionTrigger)
  trigger!: RetentionTrigger;

  @ApiPropertyOptional({
    nullable: true,
    type: RetentionArchiveDto,
    description: 'An intermediate archive phase after the active one (ADR 0052)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RetentionArchiveDto)
  archive?: RetentionArchiveDto | null;
}
