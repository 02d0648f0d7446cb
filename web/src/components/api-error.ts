import { ApiError } from '../api/client';

/** The message to show for a failed call: the service's own message when it sent one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.body.message;
  return error instanceof Error ? error.message : String(error);
}
