import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, Matches } from 'class-validator';
import { DataCategory, SQL_IDENTIFIER } from '../inventory.model';

export class ScanSystemDto {
  @ApiPropertyOptional({
    example: ['public', 'billing'],
    description: 'Schemas to read (default: every non-system schema)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(SQL_IDENTIFIER, { each: true, message: 'each schema must be a SQL identifier' })
  schemas?: string[];
}

export class UnregisteredColumnDto {
  @ApiProperty({ example: 'public' }) schema!: string;
  @ApiProperty({ example: 'customers' }) table!: string;
  @ApiProperty({ example: 'phone' }) column!: string;
  @ApiProperty({ example: 'text' }) dataType!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'public.customers',
    description: 'Registered dataset of the column; null when the table itself is not registered',
  })
  dataset!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'crm.customers.phone',
    description: 'Key the field would get; null when the column cannot be registered (see registrable)',
  })
  suggestedKey!: string | null;
  @ApiProperty({
    example: true,
    description:
      'False when the schema, table or column name is not a SQL identifier (spaces, hyphens…): the register cannot hold it as is',
  })
  registrable!: boolean;
  @ApiProperty({ example: true, description: 'The column name suggests personal data' })
  likelyPersonal!: boolean;
  @ApiProperty({ enum: DataCategory, nullable: true, example: DataCategory.Contact })
  suggestedCategory!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'phone number' }) reason!: string | null;
}

export class MissingColumnDto {
  @ApiProperty({ example: 'crm.customers.fax' }) key!: string;
  @ApiProperty({ example: 'public.customers' }) dataset!: string;
  @ApiProperty({ example: 'fax' }) column!: string;
}

export class ScanResultDto {
  @ApiProperty({ example: 'crm' }) systemCode!: string;
  @ApiProperty({ example: '2026-11-02T10:00:00.000Z' }) scannedAt!: Date;
  @ApiProperty({ type: [String], example: ['public'] }) schemas!: string[];
  @ApiProperty({ example: 14, description: 'Columns read from the catalogue' }) columnCount!: number;
  @ApiProperty({ example: 9, description: 'Columns already registered as fields' }) registeredCount!: number;
  @ApiProperty({ type: [UnregisteredColumnDto], description: 'Likely personal data first' })
  unregistered!: UnregisteredColumnDto[];
  @ApiProperty({
    type: [MissingColumnDto],
    description: 'Registered fields (of the scanned schemas) whose column the database does not have',
  })
  missing!: MissingColumnDto[];
}
