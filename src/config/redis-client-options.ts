/**
 * ioredis ends a connection by waiting up to `disconnectTimeout` (2 s by default) for the socket to
 * close before destroying it. When Redis was unreachable the socket has already closed, so that
 * timer is never cleared and shutdown (SIGTERM, app.close()) stalls for the whole wait. A live
 * Redis answers the close within milliseconds: a short wait loses nothing.
 */
export const REDIS_DISCONNECT_TIMEOUT_MS = 250;
