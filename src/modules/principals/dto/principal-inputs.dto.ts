import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/cursor';
import { Role } from '../../../policies/role.enum';

/** Same slug rule as purpose codes in paths. */
const PURPOSE_CODE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const PURPOSE_CODE_MESSAGE = 'each purpose code must be a lower-case slug such as marketing.newsletter';

export class CreatePrincipalDto {
  @ApiProperty({ example: 'Claire (DPO)', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: Role, isArray: true, example: ['dpo'], description: 'One or more roles' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsEnum(Role, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({
    type: [String],
    example: ['marketing.newsletter'],
    description: 'Application principals only: the purposes it may invoke (they must exist)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @MaxLength(100, { each: true })
  @Matches(PURPOSE_CODE, { each: true, message: PURPOSE_CODE_MESSAGE })
  purposeCodes?: string[];

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-12-31T23:59:59Z',
    description: 'Expiry of the first key (none by default)',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  keyExpiresAt?: string;
}

export class UpdatePrincipalDto {
  @ApiPropertyOptional({ example: 'Claire Martin (DPO)', maxLength: 200 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: Role, isArray: true, example: ['dpo', 'auditor'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsEnum(Role, { each: true })
  roles?: Role[];

  @ApiPropertyOptional({
    example: true,
    description: 'A disabled principal’s keys stop working at once, on every instance',
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class SetPrincipalPurposesDto {
  @ApiProperty({
    type: [String],
    example: ['marketing.newsletter', 'billing.invoicing'],
    description: 'The complete set of purposes the application may invoke (replaces the previous set)',
  })
  @IsArray()
  @ArrayMaxSize(1000)
  @MaxLength(100, { each: true })
  @Matches(PURPOSE_CODE, { each: true, message: PURPOSE_CODE_MESSAGE })
  purposeCodes!: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['billing.invoicing'],
    description:
      'Purposes (among purposeCodes) on which the application may also reach the intermediate archive ' +
      '(access checks with phase "archive" and a justification). Replaces the previous set; omitted: the ' +
      'previous archive grants are kept for the purposes still authorised. None by default.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @MaxLength(100, { each: true })
  @Matches(PURPOSE_CODE, { each: true, message: PURPOSE_CODE_MESSAGE })
  archivePurposeCodes?: string[];
}

export class CreateApiKeyDto {
  @ApiPropertyOptional({
    example: 'CRM production',
    maxLength: 100,
    description: 'Free text to tell keys apart',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  label?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2027-12-31T23:59:59Z',
    description: 'None by default',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    example: '6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a',
    description:
      'Rotation: the key this one replaces. The old key then expires after KEY_ROTATION_GRACE_SECONDS.',
  })
  @IsOptional()
  @IsUUID()
  replaceKeyId?: string;
}

export class ListPrincipalsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: Role,
    example: 'application',
    description: 'Only principals holding this role',
  })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;
}
