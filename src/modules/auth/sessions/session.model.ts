import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';

/** The console's session cookie. HttpOnly: the console's script never sees it. */
export const SESSION_COOKIE = 'finalite_session';
/** Header that must carry the session's anti-CSRF token on every unsafe cookie-authenticated request. */
export const CSRF_HEADER = 'x-csrf-token';
const SESSION_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a session stops: stored in console_session.end_reason and in the audit trail. */
export type SessionEndReason =
  | 'signed_out'
  | 'idle_timeout'
  | 'max_lifetime'
  | 'revoked'
  | 'expired'
  | 'principal_disabled'
  | 'unknown_key';

export interface SessionLimits {
  idleTimeoutMs: number;
  maxLifetimeMs: number;
}

export interface SessionClock {
  lastSeenAt: Date;
  expiresAt: Date;
}

/** 256 random bits, like an API key: a fast hash at rest is enough (ADR 0010). */
export function generateSessionToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSessionToken(token) };
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The anti-CSRF token, derived from the session token (nothing more to store): whoever can read it
 * is the page the session was given to; a cross-site form or fetch can send the cookie, never this.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('finalite-console-csrf').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The session token from a Cookie header, only when it has the shape we issue (never hash junk). */
export function sessionTokenFrom(cookieHeader: string | string[] | undefined): string | undefined {
  if (typeof cookieHeader !== 'string' || cookieHeader.length === 0) return undefined;
  const token = parseCookies(cookieHeader)[SESSION_COOKIE];
  return token !== undefined && SESSION_TOKEN.test(token) ? token : undefined;
}

/** Whether a session presented at `now` is still alive, or why not. */
export function sessionExpiry(
  clock: SessionClock,
  limits: SessionLimits,
  now: Date,
): SessionEndReason | null {
  if (clock.expiresAt.getTime() <= now.getTime()) return 'max_lifetime';
  if (now.getTime() - clock.lastSeenAt.getTime() >= limits.idleTimeoutMs) return 'idle_timeout';
  return null;
}

/** The idle deadline as it stands after a request at `now` (never past the absolute expiry). */
export function sessionDeadline(clock: SessionClock, limits: SessionLimits): Date {
  const idle = clock.lastSeenAt.getTime() + limits.idleTimeoutMs;
  return new Date(Math.min(idle, clock.expiresAt.getTime()));
}

/**
 * last_seen_at is written when a tenth of the idle timeout (at most 30 s) has passed since the last
 * write: the idle deadline is then off by that much at most, and a busy console page does not write
 * on every request.
 */
export function lastSeenIsStale(lastSeenAt: Date, limits: SessionLimits, now: Date): boolean {
  const interval = Math.min(30_000, Math.floor(limits.idleTimeoutMs / 10));
  return now.getTime() - lastSeenAt.getTime() >= interval;
}

export type CookieSecurity = 'auto' | 'true' | 'false';

/**
 * `auto`: Secure unless the request reached us over plain HTTP from a loopback address (a browser
 * on the same machine as `npm start`). Browsers drop a Secure cookie set over http, so without this
 * the default local start could not sign in; anywhere else the cookie is Secure.
 */
export function cookieIsSecure(
  setting: CookieSecurity,
  connection: { encrypted: boolean; remoteAddress: string | undefined },
): boolean {
  if (setting !== 'auto') return setting === 'true';
  return connection.encrypted || !isLoopback(connection.remoteAddress);
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

export function sessionCookie(token: string, secure: boolean): string {
  return serializeCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure });
}

/** Clears the cookie in the browser (sign-out, or a dead session). */
export function clearedSessionCookie(secure: boolean): string {
  return serializeCookie(SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure,
    expires: new Date(0),
  });
}
