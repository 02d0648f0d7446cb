import { stdSerializers } from 'pino';

/**
 * Properties of a logged error that may carry personal data or secrets: TypeORM's
 * QueryFailedError keeps the query's `parameters` (subject ids, key hashes, audit payloads) and
 * copies the driver's fields onto itself (`detail`: "Key (subject_id)=(…)", `where`, …).
 */
const REVEALING = ['parameters', 'detail', 'where', 'driverError', 'internalQuery', 'hint'] as const;
const MAX_QUERY_CHARS = 500;

/** pino's error serializer without what REVEALING names; the query text is kept, shortened. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const key of REVEALING) delete out[key];
  if (typeof out.query === 'string') out.query = out.query.slice(0, MAX_QUERY_CHARS);
  return out;
}
