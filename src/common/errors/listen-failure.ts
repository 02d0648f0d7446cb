/** What the operator is told when the HTTP port cannot be bound. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'is already in use: stop the other process or set PORT',
  EACCES: 'needs privileges this process lacks: use a port above 1023 or set PORT',
  EADDRNOTAVAIL: 'is on an address this host does not have',
};

/**
 * A listen error the operator must fix (busy or forbidden port) as one log line with its code and
 * port and no stack; undefined for anything else, which is a bug and keeps its stack.
 */
export function describeListenFailure(
  err: unknown,
  port: number,
): { fields: { code: string; port: number }; message: string } | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(code in LISTEN_ERRORS)) return undefined;
  return {
    fields: { code, port },
    message: `Cannot start: port ${port} ${LISTEN_ERRORS[code]}. No admin was created: the next start creates it and prints its key.`,
  };
}
