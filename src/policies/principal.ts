import type { Role } from './role.enum';

/** Who is calling: set on the request by authentication, read by the policies guard. */
export interface AuthenticatedPrincipal {
  id: string;
  name: string;
  roles: Role[];
  /** Purposes an application principal may invoke (empty for other roles). */
  purposeCodes: string[];
  /** Purposes on which an application may reach the intermediate archive (absent: none). */
  archivePurposeCodes?: string[];
  /** The API key used for this request. */
  keyId: string;
  keyPrefix: string;
}

/** Who did something, as recorded in history and the audit trail. */
export interface Actor {
  type: 'principal' | 'system';
  id: string;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: 'finalite', name: 'Finalité' };

export function actorOf(principal: AuthenticatedPrincipal | undefined): Actor {
  return principal ? { type: 'principal', id: principal.id, name: principal.name } : SYSTEM_ACTOR;
}
