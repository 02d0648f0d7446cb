import { ApiProperty } from '@nestjs/swagger';
import { PageInfoDto } from '../../../common/pagination/cursor';
import { Role } from '../../../policies/role.enum';

export enum ApiKeyStatus {
  Active = 'active',
  Expired = 'expired',
  Revoked = 'revoked',
}

/** A key as listed: never the key itself, which is shown once at creation. */
export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a' }) id!: string;
  @ApiProperty({ example: 'fin_3kq9x2ab', description: 'Visible, non-secret start of the key' })
  prefix!: string;
  @ApiProperty({ nullable: true, type: String, example: 'CRM production' }) label!: string | null;
  @ApiProperty({ enum: ApiKeyStatus, example: ApiKeyStatus.Active }) status!: ApiKeyStatus;
  @ApiProperty({ example: '2026-11-02T09:30:00.000Z' }) createdAt!: Date;
  @ApiProperty({
    example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59',
    description: 'Principal id of the creator',
  })
  createdBy!: string;
  @ApiProperty({ nullable: true, type: Date, example: '2027-11-02T09:30:00.000Z' }) expiresAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, example: null }) revokedAt!: Date | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    example: '2026-11-03T14:00:00.000Z',
    description: 'Updated at most about once a minute',
  })
  lastUsedAt!: Date | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    example: null,
    description: 'Set on rotation',
  })
  replacedByKeyId!: string | null;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({
    example: 'fin_3kq9x2ab_Jq0c3n5m2S8cJ0kq7l1b9Zr4Q6Yx2Wv8Tt5Uu3Pp1Ee',
    description: 'The API key. Shown ONCE: only its hash is kept.',
  })
  key!: string;
}

export class PrincipalResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59' }) id!: string;
  @ApiProperty({ example: 'Claire (DPO)' }) name!: string;
  @ApiProperty({ enum: Role, isArray: true, example: ['dpo'] }) roles!: Role[];
  @ApiProperty({
    type: [String],
    example: ['marketing.newsletter'],
    description: 'Purposes an application may invoke (empty for other principals)',
  })
  purposeCodes!: string[];
  @ApiProperty({
    type: [String],
    example: [],
    description:
      'Purposes on which the application may also reach the intermediate archive (none by default)',
  })
  archivePurposeCodes!: string[];
  @ApiProperty({ example: false }) disabled!: boolean;
  @ApiProperty({ example: '2026-11-02T09:30:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-11-02T09:30:00.000Z' }) updatedAt!: Date;
  @ApiProperty({ example: 'finalite', description: 'Principal id of the creator ("finalite" on bootstrap)' })
  createdBy!: string;
  @ApiProperty({ example: 'finalite' }) updatedBy!: string;
  @ApiProperty({ type: [ApiKeyResponseDto], description: 'Every key, newest first, revoked ones included' })
  keys!: ApiKeyResponseDto[];
}

export class CreatedPrincipalResponseDto extends PrincipalResponseDto {
  @ApiProperty({
    example: 'fin_3kq9x2ab_Jq0c3n5m2S8cJ0kq7l1b9Zr4Q6Yx2Wv8Tt5Uu3Pp1Ee',
    description: 'The first API key of the principal. Shown ONCE: only its hash is kept.',
  })
  key!: string;

  @ApiProperty({ format: 'uuid', example: '6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a' }) keyId!: string;
}

export class PrincipalPageDto extends PageInfoDto {
  @ApiProperty({ type: [PrincipalResponseDto] }) items!: PrincipalResponseDto[];
}

/** Who the caller is, as the API sees it. */
export class MeResponseDto {
  @ApiProperty({ format: 'uuid', example: '0b8e6a4c-5f0e-4f55-b0a4-1f1d2c3b4a59' }) id!: string;
  @ApiProperty({ example: 'CRM' }) name!: string;
  @ApiProperty({ enum: Role, isArray: true, example: ['application'] }) roles!: Role[];
  @ApiProperty({ type: [String], example: ['marketing.newsletter'] }) purposeCodes!: string[];
  @ApiProperty({ format: 'uuid', example: '6f1c2a8e-2b9d-4c1e-9a51-0d6f3f0d9b7a' }) keyId!: string;
  @ApiProperty({ example: 'fin_3kq9x2ab' }) keyPrefix!: string;
}
