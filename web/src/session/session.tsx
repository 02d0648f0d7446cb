import { createContext, useContext, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, unwrap, type Schemas } from '../api/client';

export type ConsoleSession = Schemas['ConsoleSessionResponseDto'];
export type Role = ConsoleSession['principal']['roles'][number];

interface SessionState {
  session: ConsoleSession | null;
  signIn(apiKey: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);
export const SESSION_QUERY = ['auth', 'session'] as const;

/** Asks the service who is signed in (the cookie is HttpOnly: only the service can tell). */
async function fetchSession(): Promise<ConsoleSession | null> {
  try {
    const session = unwrap(await api.GET('/auth/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 404)) {
      setCsrfToken(null);
      return null;
    }
    throw e;
  }
}

export function SessionProvider({ children }: { children: (state: SessionState | 'loading') => ReactNode }) {
  const client = useQueryClient();
  const query = useQuery({ queryKey: SESSION_QUERY, queryFn: fetchSession, staleTime: 60_000, retry: false });
  if (query.isPending) return <>{children('loading')}</>;
  const state: SessionState = {
    session: query.data ?? null,
    async signIn(apiKey) {
      // The key goes out in this one request body and is dropped: the cookie stands for it afterwards.
      const session = unwrap(await api.POST('/auth/session', { body: { apiKey } }));
      setCsrfToken(session.csrfToken);
      client.setQueryData(SESSION_QUERY, session);
    },
    async signOut() {
      await api.DELETE('/auth/session');
      setCsrfToken(null);
      // Not client.clear(): it would drop the session query under its mounted observer, which then
      // never sees the null set after it, and the shell would stay on screen signed out.
      client.setQueryData(SESSION_QUERY, null);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== SESSION_QUERY[0] });
    },
  };
  return <SessionContext.Provider value={state}>{children(state)}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** What the console offers follows the roles (the service enforces the same rules regardless). */
export function canEditRegister(roles: readonly Role[]): boolean {
  return roles.includes('dpo');
}

/** Dashboard, audit trail and reports: DPOs and auditors (read and export only). */
export function canOversee(roles: readonly Role[]): boolean {
  return roles.includes('dpo') || roles.includes('auditor');
}
