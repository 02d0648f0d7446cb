import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { REDIS_DISCONNECT_TIMEOUT_MS } from '../../config/redis-client-options';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * The fixed-window script of @nest-lab/throttler-storage-redis (a counter per key and window, a
 * block once over the limit, a new window when the block ends), counting `n` hits at once. Returns
 * the counter after the hits, the window's and the block's remaining ms, and how many of the `n`
 * hits were within the limit (the first ones: hits are counted in arrival order).
 */
const INCREMENT_SCRIPT = `
local hitKey = KEYS[1]
local blockKey = KEYS[2]
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockDuration = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local timeToBlockExpire = 0
if redis.call('EXISTS', blockKey) == 1 then
  timeToBlockExpire = redis.call('PTTL', blockKey)
  if timeToBlockExpire <= 0 then
    redis.call('DEL', blockKey)
    redis.call('DEL', hitKey)
    timeToBlockExpire = 0
  end
end
local totalHits = redis.call('INCRBY', hitKey, n)
local timeToExpire = redis.call('PTTL', hitKey)
if timeToExpire <= 0 then
  redis.call('PEXPIRE', hitKey, ttl)
  timeToExpire = ttl
end
local allowed = 0
if timeToBlockExpire <= 0 then
  allowed = math.max(0, math.min(n, limit - (totalHits - n)))
  if allowed < n then
    redis.call('SET', blockKey, 1, 'PX', blockDuration)
    timeToBlockExpire = blockDuration
  end
end
return { totalHits, timeToExpire, allowed, timeToBlockExpire }`;

interface PendingHit {
  resolve: (record: ThrottlerStorageRecord) => void;
}

interface KeyQueue {
  ttl: number;
  limit: number;
  blockDuration: number;
  waiting: PendingHit[];
  inFlight: boolean;
}

type CountingRedis = Redis & {
  finaliteRateLimit(
    hitKey: string,
    blockKey: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    n: number,
  ): Promise<[number, number, number, number]>;
};

/**
 * Redis-backed counters, shared by every instance (one limit per key across the cluster).
 * Hits on one key are counted in groups (as the audit writer commits, ADR 0053): while one script
 * call for a key is in flight, the hits that arrive on that key wait and go in the next call, which
 * counts them all with one INCRBY. The count stays exact across instances (Redis adds every hit;
 * each hit learns its own position in the window), and a busy key costs one round trip per group
 * instead of one per request. The script is sent once and then called by its SHA (EVALSHA), where
 * the library sent its text with every request.
 * Fails open: if Redis is unreachable the request is served and a warning logged at most once a
 * minute. Rate limiting protects capacity; refusing every request when Redis blips would be worse.
 */
export class SharedRateLimitStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger(SharedRateLimitStorage.name);
  private readonly redis: CountingRedis;
  private readonly queues = new Map<string, KeyQueue>();
  private lastWarningAt = 0;

  constructor(redisUrl: string, keyPrefix: string) {
    this.redis = new Redis(redisUrl, {
      keyPrefix: `${keyPrefix}:ratelimit:`,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
      disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
    }) as CountingRedis;
    this.redis.on('error', () => undefined); // reported through increment() and /health/ready
    this.redis.defineCommand('finaliteRateLimit', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    // The library's key layout: counters survive an upgrade.
    const id = `{${key}:${throttlerName}}`;
    let queue = this.queues.get(id);
    if (!queue) {
      queue = { ttl, limit, blockDuration, waiting: [], inFlight: false };
      this.queues.set(id, queue);
    }
    // The latest options win (they are the module's, the same for every call on a key).
    Object.assign(queue, { ttl, limit, blockDuration });
    return new Promise<ThrottlerStorageRecord>((resolve) => {
      queue.waiting.push({ resolve });
      if (!queue.inFlight) void this.flush(id, queue);
    });
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
  }

  private async flush(id: string, queue: KeyQueue): Promise<void> {
    queue.inFlight = true;
    while (queue.waiting.length > 0) {
      const hits = queue.waiting.splice(0, queue.waiting.length);
      const { ttl, limit, blockDuration } = queue;
      try {
        const [totalHits, timeToExpire, allowed, timeToBlockExpire] = await this.redis.finaliteRateLimit(
          `${id}:hits`,
          `${id}:blocked`,
          ttl,
          limit,
          blockDuration,
          hits.length,
        );
        const first = totalHits - hits.length;
        hits.forEach((hit, i) =>
          hit.resolve({
            totalHits: first + i + 1,
            timeToExpire: Math.ceil(timeToExpire / 1000),
            isBlocked: i >= allowed,
            timeToBlockExpire: i >= allowed ? Math.ceil(timeToBlockExpire / 1000) : 0,
          }),
        );
      } catch (e) {
        const now = Date.now();
        if (now - this.lastWarningAt > 60_000) {
          this.lastWarningAt = now;
          this.logger.warn({ err: e }, 'Rate limiting skipped: Redis is unavailable');
        }
        const open = {
          totalHits: 0,
          timeToExpire: Math.ceil(ttl / 1000),
          isBlocked: false,
          timeToBlockExpire: 0,
        };
        for (const hit of hits) hit.resolve(open);
      }
    }
    queue.inFlight = false;
    // An idle key keeps no state here (the counters live in Redis).
    if (this.queues.get(id) === queue) this.queues.delete(id);
  }
}

/**
 * In-process counters for a single instance (no REDIS_URL, embedded mode): the same fixed-window
 * algorithm as the Redis script above (a counter per key and window, a block once over the limit),
 * at O(1) per request. The throttler's default in-memory storage keeps one timestamp per hit and
 * filters them all on every request, which at the access check's budget (1,200,000 a minute) is
 * tens of thousands of entries copied per request.
 */
export class MemoryRateLimitStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly windows = new Map<string, { hits: number; expiresAt: number; blockedUntil: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${key}:${throttlerName}`;
    let w = this.windows.get(id);
    if (!w || (w.expiresAt <= now && w.blockedUntil <= now)) {
      w = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, w);
    } else if (w.expiresAt <= now) {
      w.hits = 0;
      w.expiresAt = now + ttl;
    }
    w.hits += 1;
    let blocked = w.blockedUntil > now;
    if (!blocked && w.blockedUntil > 0) {
      // A block that has ended starts a new window (as the Redis script does).
      w.blockedUntil = 0;
      w.hits = 1;
      w.expiresAt = now + ttl;
    } else if (!blocked && w.hits > limit) {
      w.blockedUntil = now + blockDuration;
      blocked = true;
    }
    return Promise.resolve({
      totalHits: w.hits,
      timeToExpire: Math.ceil((w.expiresAt - now) / 1000),
      isBlocked: blocked,
      timeToBlockExpire: blocked ? Math.ceil((w.blockedUntil - now) / 1000) : 0,
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, w] of this.windows)
      if (w.expiresAt <= now && w.blockedUntil <= now) this.windows.delete(id);
  }
}
