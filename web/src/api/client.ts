import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBodyDto'];

/**
 * The anti-CSRF token of the current session: in memory only (never in web storage), set from
 * POST/GET /auth/session and sent on every unsafe request. The API key itself never reaches here.
 */
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && UNSAFE.has(request.method)) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

/** Same origin as the service: the session cookie goes along by itself (HttpOnly, SameSite=Strict). */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

/** A non-2xx answer in the service's one error shape, thrown so that TanStack Query sees a failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

/** Unwraps an openapi-fetch result: the data, or an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as Partial<ErrorBody>;
    throw new ApiError(result.response.status, {
      statusCode: result.response.status,
      error: body.error ?? 'UNKNOWN',
      message: body.message ?? result.response.statusText,
      ...(body.details !== undefined ? { details: body.details } : {}),
    });
  }
  return result.data as T;
}
