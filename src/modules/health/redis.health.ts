import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS_DISCONNECT_TIMEOUT_MS } from '../../config/redis-client-options';

/** Pings Redis when REDIS_URL is set (readiness). */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private client?: Redis;

  constructor(
    config: AppConfig,
    private readonly indicator: HealthIndicatorService,
  ) {
    if (config.REDIS_URL) {
      this.client = new Redis(config.REDIS_URL, {
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
      });
      this.client.on('error', () => undefined); // reported through the health check, not as noise
    }
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    try {
      if (this.client!.status === 'wait' || this.client!.status === 'end') await this.client!.connect();
      await this.client!.ping();
      return session.up();
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.client?.disconnect();
  }
}
