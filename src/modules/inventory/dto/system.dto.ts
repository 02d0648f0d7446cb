import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { IsCronExpression } from '../is-cron-expression.decorator';
import { PROCESSOR_CODE } from '../../processors/processor.model';
import { SYSTEM_CODE, SystemKind } from '../inventory.model';

/** Editable description of a system, shared by create and update (null clears an optional value). */
export class SystemDeclarationDto {
  @ApiPropertyOptional({
    type: String,
    example: 'Sales CRM: customers, contacts, opportunities',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  description?: string | null;

  @ApiPropertyOptional({ type: String, example: 'Sales operations (ops@acme.example)', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  owner?: string | null;

  @ApiPropertyOptional({ type: String, example: 'OVHcloud Roubaix', nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  hostingLocation?: string | null;

  @ApiPropertyOptional({ type: String, example: 'FR', description: 'ISO 3166-1 alpha-2', nullable: true })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'hostingCountry must be an ISO 3166-1 alpha-2 code such as FR' })
  hostingCountry?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: 'postgres://finalite_ro:secret@crm-db.internal:5432/crm',
    description:
      'postgres (postgres://…) and mysql (mysql://user:password@host:port/database) systems only. Write-only: stored encrypted, never returned (see hasConnection)',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^(postgres(ql)?|mysql):\/\//, {
    message: 'connectionString must be a postgres://, postgresql:// or mysql:// URL',
  })
  connectionString?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: 'https://crm.internal/gdpr/erase',
    description: 'webhook systems only: where erasure requests are POSTed',
    nullable: true,
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  @MaxLength(2000)
  webhookUrl?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: 'whsec_8f3a…',
    description: 'webhook systems only: HMAC signing secret. Write-only: stored encrypted, never returned',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(500)
  webhookSecret?: string | null;

  @ApiPropertyOptional({
    type: String,
    example: '0 3 * * *',
    description: 'Cron expression for the retention engine (default: daily)',
    nullable: true,
  })
  @IsOptional()
  @IsCronExpression()
  retentionSchedule?: string | null;

  @ApiPropertyOptional({
    example: 'mailer',
    nullable: true,
    description: 'Code of the processor (art. 28) operating the system; absent or null: operated in-house',
  })
  @IsOptional()
  @Matches(PROCESSOR_CODE, { message: 'processorCode must be a processor code such as mailer' })
  processorCode?: string | null;
}

export class CreateSystemDto extends SystemDeclarationDto {
  @ApiProperty({ example: 'crm', description: 'Stable slug without dots (it starts every field key)' })
  @Matches(SYSTEM_CODE, { message: 'code must be a lower-case slug without dots, e.g. crm or hr-payroll' })
  @MaxLength(50)
  code!: string;

  @ApiProperty({ example: 'Customer CRM' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name!: string;

  @ApiProperty({ enum: SystemKind, example: SystemKind.Postgres })
  @IsEnum(SystemKind)
  kind!: SystemKind;
}

export class UpdateSystemDto extends SystemDeclarationDto {
  @ApiPropertyOptional({ example: 'Customer CRM', description: 'Cannot be cleared' })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  name?: string;

  @ApiPropertyOptional({ enum: SystemKind, example: SystemKind.Manual })
  @IsOptional()
  @IsEnum(SystemKind)
  kind?: SystemKind;
}

export class SystemResponseDto {
  @ApiProperty({ format: 'uuid', example: '6b7c1f2e-3a53-4c7e-9b59-0a8a6f1e2d11' }) id!: string;
  @ApiProperty({ example: 'crm' }) code!: string;
  @ApiProperty({ example: 'Customer CRM' }) name!: string;
  @ApiProperty({ nullable: true, type: String, example: 'Sales CRM' }) description!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Sales operations' }) owner!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'OVHcloud Roubaix' }) hostingLocation!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'FR' }) hostingCountry!: string | null;
  @ApiProperty({ enum: SystemKind, example: SystemKind.Postgres }) kind!: SystemKind;
  @ApiProperty({ example: true, description: 'A connection string is stored (never returned)' })
  hasConnection!: boolean;
  @ApiProperty({ nullable: true, type: String, example: null }) webhookUrl!: string | null;
  @ApiProperty({ example: false, description: 'A webhook signing secret is stored (never returned)' })
  hasWebhookSecret!: boolean;
  @ApiProperty({ nullable: true, type: String, example: '0 3 * * *' }) retentionSchedule!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'mailer', description: 'Processor operating it' })
  processorCode!: string | null;
  @ApiProperty({ example: 2 }) datasetCount!: number;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) updatedAt!: Date;
}

export class SystemListDto {
  @ApiProperty({ type: [SystemResponseDto] }) items!: SystemResponseDto[];
}
