import {
  cookieIsSecure,
  csrfTokenMatches,
  csrfTokenOf,
  generateSessionToken,
  lastSeenIsStale,
  sessionCookie,
  sessionDeadline,
  sessionExpiry,
  sessionTokenFrom,
} from './session.model';

const limits = { idleTimeoutMs: 30 * 60_000, maxLifetimeMs: 12 * 3_600_000 };
const t0 = new Date('2026-12-04T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('console session model', () => {
  it('issues 256-bit tokens stored only as their SHA-256', () => {
    const a = generateSessionToken();
    const b = generateSessionToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toContain(a.token);
    expect(a.token).not.toBe(b.token);
  });

  it('reads the session token from a Cookie header only when it has the issued shape', () => {
    const { token } = generateSessionToken();
    expect(sessionTokenFrom(`a=1; finalite_session=${token}; b=2`)).toBe(token);
    expect(sessionTokenFrom('finalite_session=short')).toBeUndefined();
    expect(sessionTokenFrom(`other=${token}`)).toBeUndefined();
    expect(sessionTokenFrom(undefined)).toBeUndefined();
  });

  it('accepts only the CSRF token derived from this session', () => {
    const a = generateSessionToken().token;
    const b = generateSessionToken().token;
    expect(csrfTokenMatches(a, csrfTokenOf(a))).toBe(true);
    expect(csrfTokenMatches(a, csrfTokenOf(b))).toBe(false);
    expect(csrfTokenMatches(a, undefined)).toBe(false);
    expect(csrfTokenMatches(a, [csrfTokenOf(a)])).toBe(false);
    expect(csrfTokenMatches(a, '')).toBe(false);
  });

  it('ends a session at its idle timeout or its absolute lifetime, whichever comes first', () => {
    const clock = { lastSeenAt: t0, expiresAt: at(limits.maxLifetimeMs) };
    expect(sessionExpiry(clock, limits, at(limits.idleTimeoutMs - 1))).toBeNull();
    expect(sessionExpiry(clock, limits, at(limits.idleTimeoutMs))).toBe('idle_timeout');
    const late = { lastSeenAt: at(limits.maxLifetimeMs - 1000), expiresAt: at(limits.maxLifetimeMs) };
    expect(sessionExpiry(late, limits, at(limits.maxLifetimeMs))).toBe('max_lifetime');
    expect(sessionDeadline(late, limits)).toEqual(at(limits.maxLifetimeMs));
    expect(sessionDeadline(clock, limits)).toEqual(at(limits.idleTimeoutMs));
  });

  it('writes last_seen_at at most every tenth of the idle timeout, capped at 30 s', () => {
    expect(lastSeenIsStale(t0, limits, at(29_999))).toBe(false);
    expect(lastSeenIsStale(t0, limits, at(30_000))).toBe(true);
    const short = { idleTimeoutMs: 2000, maxLifetimeMs: 10_000 };
    expect(lastSeenIsStale(t0, short, at(199))).toBe(false);
    expect(lastSeenIsStale(t0, short, at(200))).toBe(true);
  });

  it('marks the cookie Secure except over plain HTTP from loopback in auto mode', () => {
    expect(cookieIsSecure('auto', { encrypted: false, remoteAddress: '127.0.0.1' })).toBe(false);
    expect(cookieIsSecure('auto', { encrypted: false, remoteAddress: '::ffff:127.0.0.1' })).toBe(false);
    expect(cookieIsSecure('auto', { encrypted: false, remoteAddress: '::1' })).toBe(false);
    expect(cookieIsSecure('auto', { encrypted: false, remoteAddress: '203.0.113.9' })).toBe(true);
    expect(cookieIsSecure('auto', { encrypted: true, remoteAddress: '127.0.0.1' })).toBe(true);
    expect(cookieIsSecure('true', { encrypted: false, remoteAddress: '127.0.0.1' })).toBe(true);
    expect(cookieIsSecure('false', { encrypted: true, remoteAddress: '203.0.113.9' })).toBe(false);
  });

  it('sets an HttpOnly, SameSite=Strict cookie on path /', () => {
    const cookie = sessionCookie('abc', true);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Secure');
    expect(sessionCookie('abc', false)).not.toContain('Secure');
  });
});
