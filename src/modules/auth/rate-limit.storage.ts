import { Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Redis-backed counters, shared by every instance (one limit per key across the cluster).
 * Fails open: if Redis is unreachable the request is served and a warning logged at most once a
 * minute. Rate limiting protects capacity; refusing every request when Redis blips would be worse.
 */
export class SharedRateLimitStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger(SharedRateLimitStorage.name);
  private readonly redis: Redis;
  private readonly counters: ThrottlerStorageRedisService;
  private lastWarningAt = 0;

  constructor(redisUrl: string, keyPrefix: string) {
    this.redis = new Redis(redisUrl, {
      keyPrefix: `${keyPrefix}:ratelimit:`,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    this.redis.on('error', () => undefined); // reported through increment() and /health/ready
    this.counters = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.counters.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (e) {
      const now = Date.now();
      if (now - this.lastWarningAt > 60_000) {
        this.lastWarningAt = now;
        this.logger.warn({ err: e }, 'Rate limiting skipped: Redis is unavailable');
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
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
