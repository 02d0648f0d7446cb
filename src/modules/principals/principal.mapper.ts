import { ApiKeyResponseDto, ApiKeyStatus, PrincipalResponseDto } from './dto/principal.response.dto';
import type { ApiKeyEntity } from './entities/api-key.entity';
import type { PrincipalEntity } from './entities/principal.entity';

export function toApiKeyResponse(key: ApiKeyEntity, now: Date = new Date()): ApiKeyResponseDto {
  const status = key.revokedAt
    ? ApiKeyStatus.Revoked
    : key.expiresAt && key.expiresAt.getTime() <= now.getTime()
      ? ApiKeyStatus.Expired
      : ApiKeyStatus.Active;
  return {
    id: key.id,
    prefix: key.prefix,
    label: key.label,
    status,
    createdAt: key.createdAt,
    createdBy: key.createdBy,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    lastUsedAt: key.lastUsedAt,
    replacedByKeyId: key.replacedByKeyId,
  };
}

export function toPrincipalResponse(p: PrincipalEntity, keys: ApiKeyEntity[]): PrincipalResponseDto {
  return {
    id: p.id,
    name: p.name,
    roles: [...p.roles],
    purposeCodes: [...p.purposeCodes],
    archivePurposeCodes: [...(p.archivePurposeCodes ?? [])],
    disabled: p.disabled,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    createdBy: p.createdBy,
    updatedBy: p.updatedBy,
    keys: [...keys]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1))
      .map((k) => toApiKeyResponse(k)),
  };
}
