import { Role } from '../../policies/role.enum';
import { keyRefusal, lastUsedIsStale, leavesNoEnabledAdmin, rotatedExpiry } from './principal.model';

const now = new Date('2026-11-02T12:00:00Z');
const at = (offsetSeconds: number) => new Date(now.getTime() + offsetSeconds * 1000);

describe('principal rules', () => {
  it.each([
    [{ expiresAt: null, revokedAt: null }, false, null],
    [{ expiresAt: at(60), revokedAt: null }, false, null],
    [{ expiresAt: at(0), revokedAt: null }, false, 'expired'],
    [{ expiresAt: at(-1), revokedAt: null }, false, 'expired'],
    [{ expiresAt: null, revokedAt: at(-1) }, false, 'revoked'],
    [{ expiresAt: at(-1), revokedAt: at(-1) }, false, 'revoked'],
    [{ expiresAt: null, revokedAt: null }, true, 'principal_disabled'],
  ])('key %j of a principal disabled=%s → %s', (key, disabled, expected) => {
    expect(keyRefusal(key, { disabled }, now)).toBe(expected);
  });

  it('rotation gives the old key the grace period, never more than it had', () => {
    expect(rotatedExpiry(null, now, 86400)).toEqual(at(86400));
    expect(rotatedExpiry(at(3600), now, 86400)).toEqual(at(3600));
    expect(rotatedExpiry(at(90 * 86400), now, 86400)).toEqual(at(86400));
    expect(rotatedExpiry(null, now, 0)).toEqual(now);
  });

  it('writes lastUsedAt at most once a minute', () => {
    expect(lastUsedIsStale(null, now)).toBe(true);
    expect(lastUsedIsStale(at(-30), now)).toBe(false);
    expect(lastUsedIsStale(at(-60), now)).toBe(true);
  });

  describe('last enabled admin', () => {
    const principals = [
      { id: 'a1', roles: [Role.Admin], disabled: false },
      { id: 'a2', roles: [Role.Admin, Role.Auditor], disabled: true },
      { id: 'd1', roles: [Role.Dpo], disabled: false },
    ];
    it('refuses to disable or demote the only enabled admin', () => {
      expect(leavesNoEnabledAdmin(principals, 'a1', { disabled: true })).toBe(true);
      expect(leavesNoEnabledAdmin(principals, 'a1', { roles: [Role.Dpo] })).toBe(true);
    });
    it('allows it once another admin is enabled, and any change to others', () => {
      expect(leavesNoEnabledAdmin(principals, 'a2', { disabled: false })).toBe(false);
      expect(leavesNoEnabledAdmin(principals, 'd1', { disabled: true })).toBe(false);
      const twoAdmins = principals.map((p) => (p.id === 'a2' ? { ...p, disabled: false } : p));
      expect(leavesNoEnabledAdmin(twoAdmins, 'a1', { disabled: true })).toBe(false);
    });
  });
});
