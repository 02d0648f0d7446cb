import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEnum,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ActorDto } from '../../purposes/dto/purpose.response.dto';
import { PROCESSOR_CODE, TransferMechanism } from '../processor.model';

const COUNTRY = /^[A-Z]{2}$/;
const COUNTRY_MESSAGE = 'country must be an ISO 3166-1 alpha-2 code such as FR or US';
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LIST_MAX = 200;

export class ProcessingLocationDto {
  @ApiProperty({ example: 'US', description: 'ISO 3166-1 alpha-2 code of a country where data is processed' })
  @Matches(COUNTRY, { message: COUNTRY_MESSAGE })
  country!: string;

  @ApiPropertyOptional({
    enum: TransferMechanism,
    nullable: true,
    example: TransferMechanism.StandardContractualClauses,
    description:
      'Outside the EEA only (art. 45–49). Absent for a country with a full adequacy decision: that decision applies',
  })
  @IsOptional()
  @IsEnum(TransferMechanism)
  mechanism?: TransferMechanism | null;

  @ApiPropertyOptional({
    nullable: true,
    example: 'SCC 2021/914, module 2, signed 2025-01-15',
    description: 'Required with any mechanism but an adequacy decision (filled from the decision list then)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reference?: string | null;
}

export class SubProcessorDto extends ProcessingLocationDto {
  @ApiProperty({ example: 'Cloud Hosting Inc.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name!: string;

  @ApiPropertyOptional({ nullable: true, example: 'hosting' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  service?: string | null;
}

export class ProcessorAgreementDto {
  @ApiPropertyOptional({
    nullable: true,
    example: '2025-01-15',
    description: 'Date the data-processing agreement (art. 28(3)) was signed; absent: not signed',
  })
  @IsOptional()
  @Matches(DATE, { message: 'signedOn must be a date such as 2025-01-15' })
  @IsISO8601({ strict: true }, { message: 'signedOn must be a real date' })
  signedOn?: string | null;

  @ApiPropertyOptional({ nullable: true, example: 'DPA-2025-017' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  reference?: string | null;

  @ApiPropertyOptional({ nullable: true, example: '2027-01-15', description: 'Date by which to review it' })
  @IsOptional()
  @Matches(DATE, { message: 'reviewOn must be a date such as 2027-01-15' })
  @IsISO8601({ strict: true }, { message: 'reviewOn must be a real date' })
  reviewOn?: string | null;
}

/** PUT /processors/{code}: the whole declaration (optional parts left out are cleared). */
export class ProcessorDeclarationDto {
  @ApiProperty({ example: 'Mailer SAS', maxLength: 300 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name!: string;

  @ApiPropertyOptional({ nullable: true, example: 'dpo@mailer.example' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  contact?: string | null;

  @ApiProperty({ example: 'FR', description: 'Country of establishment (ISO 3166-1 alpha-2)' })
  @Matches(COUNTRY, { message: COUNTRY_MESSAGE })
  country!: string;

  @ApiPropertyOptional({ nullable: true, example: 'newsletter sending' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  service?: string | null;

  @ApiPropertyOptional({ type: ProcessorAgreementDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProcessorAgreementDto)
  agreement?: ProcessorAgreementDto | null;

  @ApiPropertyOptional({ type: [ProcessingLocationDto], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => ProcessingLocationDto)
  processingLocations?: ProcessingLocationDto[] | null;

  @ApiPropertyOptional({ type: [SubProcessorDto], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @ValidateNested({ each: true })
  @Type(() => SubProcessorDto)
  subProcessors?: SubProcessorDto[] | null;
}

export class CreateProcessorDto extends ProcessorDeclarationDto {
  @ApiProperty({ example: 'mailer', description: 'Stable slug (systems and purposes name it)' })
  @Matches(PROCESSOR_CODE, { message: 'code must be a lower-case slug such as mailer or cloud-host' })
  @MaxLength(50)
  code!: string;
}

export class ProcessorTransferDto {
  @ApiProperty({ example: 'US' }) country!: string;
  @ApiProperty({ example: 'mailer' }) processor!: string;
  @ApiProperty({ nullable: true, type: String, example: 'Cloud Hosting Inc.' }) subProcessor!: string | null;
  @ApiProperty({
    enum: TransferMechanism,
    nullable: true,
    example: TransferMechanism.StandardContractualClauses,
    description: 'null: no mechanism covers this transfer (a compliance gap)',
  })
  mechanism!: TransferMechanism | null;
  @ApiProperty({ nullable: true, type: String, example: 'SCC 2021/914, module 3' }) reference!: string | null;
}

export class ProcessingLocationResponseDto {
  @ApiProperty({ example: 'US' }) country!: string;
  @ApiPropertyOptional({
    enum: TransferMechanism,
    nullable: true,
    example: TransferMechanism.StandardContractualClauses,
  })
  mechanism?: TransferMechanism | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'SCC 2021/914' }) reference?: string | null;
}

export class SubProcessorResponseDto extends ProcessingLocationResponseDto {
  @ApiProperty({ example: 'Cloud Hosting Inc.' }) name!: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'hosting' }) service?: string | null;
}

export class ProcessorAgreementResponseDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: '2025-01-15' }) signedOn?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'DPA-2025-017' }) reference?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2027-01-15' }) reviewOn?: string | null;
}

export class ProcessorResponseDto {
  @ApiProperty({ example: 'mailer' }) code!: string;
  @ApiProperty({ example: 'Mailer SAS' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: 'dpo@mailer.example' }) contact!: string | null;
  @ApiProperty({ example: 'FR' }) country!: string;
  @ApiProperty({ nullable: true, type: String, example: 'newsletter sending' }) service!: string | null;
  @ApiProperty({ type: ProcessorAgreementResponseDto, nullable: true })
  agreement!: ProcessorAgreementResponseDto | null;
  @ApiProperty({ type: [ProcessingLocationResponseDto] })
  processingLocations!: ProcessingLocationResponseDto[];
  @ApiProperty({ type: [SubProcessorResponseDto] }) subProcessors!: SubProcessorResponseDto[];
  @ApiProperty({
    type: [ProcessorTransferDto],
    description: 'Derived: every transfer outside the EEA it makes, with the mechanism covering it',
  })
  transfers!: ProcessorTransferDto[];
  @ApiProperty({ example: 1, description: 'Incremented by each change; send it back as If-Match' })
  version!: number;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) updatedAt!: Date;
}

export class ProcessorListDto {
  @ApiProperty({ type: [ProcessorResponseDto] }) items!: ProcessorResponseDto[];
}

export class ProcessorVersionDto {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ enum: ['created', 'updated', 'deleted'], example: 'updated' }) change!: string;
  @ApiProperty({ type: [String], example: ['agreement'] }) changedFields!: string[];
  @ApiProperty({
    description: 'The processor as declared in this version',
    example: { code: 'mailer', name: 'Mailer SAS', country: 'FR', agreement: { signedOn: '2025-01-15' } },
  })
  snapshot!: Record<string, unknown>;
  @ApiProperty({ type: ActorDto }) actor!: ActorDto;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) changedAt!: Date;
  @ApiProperty({ nullable: true, type: String, example: 'c5b1f6de-7a2e-4f0b-9d3c-8e1a2b3c4d5e' })
  requestId!: string | null;
}

export class ProcessorHistoryDto {
  @ApiProperty({ example: 'mailer' }) code!: string;
  @ApiProperty({ type: [ProcessorVersionDto] }) versions!: ProcessorVersionDto[];
}
