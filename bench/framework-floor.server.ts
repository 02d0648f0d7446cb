/**
 * The framework floors of bench:access: the cheapest `GET /health`-like answer each layer of the
 * service's stack can give on this host, with none of the service's own work (no logging, no
 * security headers, no guards, no database). Run as a separate process, like the service:
 *
 *   node dist/bench/framework-floor.server.js fastify|nest   (after `nest build`)
 *
 * `fastify`: Fastify alone, one route. `nest`: NestJS on the same Fastify adapter as the service,
 * one controller, one route. Whatever a route of the service costs above the `nest` floor is the
 * service's own; a target below the floor's ratio cannot be met by any NestJS application here.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import Fastify from 'fastify';

const PORT = Number(process.env.PORT);

@Controller()
class FloorController {
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(kind: string): Promise<void> {
  if (kind === 'fastify') {
    const app = Fastify({ logger: false });
    app.get('/health', async () => ({ status: 'ok' }));
    await app.listen({ port: PORT, host: '127.0.0.1' });
    return;
  }
  if (kind === 'nest') {
    const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(PORT, '127.0.0.1');
    return;
  }
  throw new Error(`unknown floor "${kind}" (fastify or nest)`);
}

main(process.argv[2] ?? '').catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
