import { Role } from '../../policies/role.enum';

/** Why a presented key does not authenticate (recorded in the audit trail, never sent to the caller). */
export type KeyRefusal = 'unknown_key' | 'revoked' | 'expired' | 'principal_disabled';

export interface KeyState {
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A key authenticates while it is neither revoked nor past its expiry, and its principal is enabled. */
export function keyRefusal(key: KeyState, principal: { disabled: boolean }, now: Date): KeyRefusal | null {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (principal.disabled) return 'principal_disabled';
  return null;
}

/**
 * Expiry of a key being rotated out: the grace period from now, but never later than the
 * expiry it already had (rotation must not extend a key's life).
 */
export function rotatedExpiry(current: Date | null, now: Date, graceSeconds: number): Date {
  const graceEnd = new Date(now.getTime() + graceSeconds * 1000);
  return current && current.getTime() < graceEnd.getTime() ? current : graceEnd;
}

/** lastUsedAt is written at most once per interval per key: a write on every request would cost more than the request. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export function lastUsedIsStale(lastUsedAt: Date | null, now: Date): boolean {
  return !lastUsedAt || now.getTime() - lastUsedAt.getTime() >= LAST_USED_WRITE_INTERVAL_MS;
}

export interface AdminState {
  id: string;
  roles: Role[];
  disabled: boolean;
}

/** True when applying `change` to `target` would leave no enabled admin (nobody could manage principals). */
export function leavesNoEnabledAdmin(
  principals: AdminState[],
  targetId: string,
  change: { roles?: Role[]; disabled?: boolean },
): boolean {
  const after = principals.map((p) =>
    p.id === targetId ? { ...p, roles: change.roles ?? p.roles, disabled: change.disabled ?? p.disabled } : p,
  );
  const enabledAdminsBefore = principals.filter((p) => !p.disabled && p.roles.includes(Role.Admin)).length;
  const enabledAdminsAfter = after.filter((p) => !p.disabled && p.roles.includes(Role.Admin)).length;
  return enabledAdminsBefore > 0 && enabledAdminsAfter === 0;
}

/** Roles sorted and deduplicated, so that stored and compared values are canonical. */
export function canonicalRoles(roles: Role[]): Role[] {
  return [...new Set(roles)].sort();
}

export function canonicalCodes(codes: string[]): string[] {
  return [...new Set(codes)].sort();
}
