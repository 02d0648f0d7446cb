import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { INestApplication, PipeTransform, RequestMethod, Type } from '@nestjs/common';
import {
  CONTROLLER_WATERMARK,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import { POLICY_KEY, PUBLIC_KEY, RequiredPolicy } from '../../src/policies/check-policy.decorator';

/**
 * Route discovery by reflection, shared by cross-cutting e2e suites: every controller route with
 * its @Public / @CheckPolicy metadata and what it reads from the request (body, query, path).
 *
 * Two sources, which a suite should compare:
 * - `discoverAppRoutes(app)`: the controllers registered in a running app (the truth);
 * - `discoverSourceRoutes()`: every `*.controller.ts` under src/, loaded synchronously, so that a
 *   suite can generate `it.each` tables at collection time, before any app has booted.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface DiscoveredRoute {
  method: HttpMethod;
  /** Express-style path, e.g. `/principals/:id/keys/:keyId`. */
  path: string;
  /** `Controller.method`. */
  handler: string;
  isPublic: boolean;
  policy?: RequiredPolicy;
  /** Names of the path parameters, in order. */
  pathParams: string[];
  /**
   * What the handler takes as its body: `dto` (a whole-body @Body() with a class: validated),
   * `raw` (a whole-body @Body() typed unknown/object, or the raw @Req()), `none`.
   */
  body: 'dto' | 'raw' | 'none';
  /** The handler takes the whole query as a validated DTO (@Query() with a class). */
  queryDto: boolean;
  /** Individual query parameters read with @Query('name'). */
  queryNames: string[];
  /** The class of the whole-body DTO, when `body` is `dto`. */
  bodyType?: Type;
  /** The class of the whole-query DTO, when `queryDto`. */
  queryType?: Type;
  /** The pipes of each path parameter (classes or instances), as declared with @Param(name, …pipes). */
  paramPipes: Record<string, unknown[]>;
}

const WRITE_METHODS: HttpMethod[] = ['post', 'put', 'patch', 'delete'];

export const isWrite = (route: Pick<DiscoveredRoute, 'method'>): boolean =>
  WRITE_METHODS.includes(route.method);
export const takesBody = (route: Pick<DiscoveredRoute, 'method'>): boolean =>
  ['post', 'put', 'patch'].includes(route.method);
export const routeName = (route: Pick<DiscoveredRoute, 'method' | 'path'>): string =>
  `${route.method.toUpperCase()} ${route.path}`;

/** Every route of the controllers registered in a running app. */
export function discoverAppRoutes(app: INestApplication): DiscoveredRoute[] {
  const modules = app.get(ModulesContainer, { strict: false });
  const controllers = new Set<Type>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (controller) controllers.add(controller);
    }
  }
  return routesOf([...controllers]);
}

/**
 * Every route of every controller class exported by a `*.controller.ts` file under `root`
 * (default: the project's src/). Synchronous, so usable while Jest collects tests.
 */
export function discoverSourceRoutes(root = resolve(__dirname, '../../src')): DiscoveredRoute[] {
  const controllers = new Set<Type>();
  for (const file of controllerFiles(root)) {
    // Loaded through Jest's module registry, so these are the very classes the app registers.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(file) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      if (typeof value === 'function' && Reflect.getMetadata(CONTROLLER_WATERMARK, value) === true) {
        controllers.add(value as Type);
      }
    }
  }
  return routesOf([...controllers]);
}

function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return controllerFiles(path);
      return entry.isFile() && entry.name.endsWith('.controller.ts') ? [path] : [];
    })
    .sort();
}

/** The routes of some controller classes, sorted by path then method. */
export function routesOf(controllers: Type[]): DiscoveredRoute[] {
  const scanner = new MetadataScanner();
  const routes: DiscoveredRoute[] = [];
  for (const controller of new Set(controllers)) {
    const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name] as object;
      const methodPath = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (methodPath === undefined) continue;
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
      const method = RequestMethod[requestMethod].toLowerCase() as HttpMethod;
      const isPublic =
        (Reflect.getMetadata(PUBLIC_KEY, handler) ?? Reflect.getMetadata(PUBLIC_KEY, controller)) === true;
      const policy = (Reflect.getMetadata(POLICY_KEY, handler) ??
        Reflect.getMetadata(POLICY_KEY, controller)) as RequiredPolicy | undefined;
      const args = argumentsOf(controller, name);
      for (const prefix of prefixes) {
        for (const sub of asArray(methodPath)) {
          const path = `/${[prefix, sub].filter(Boolean).join('/')}`
            .replace(/\/+/g, '/')
            .replace(/(.)\/$/, '$1');
          routes.push({
            method,
            path,
            handler: `${controller.name}.${name}`,
            isPublic,
            policy,
            pathParams: [...path.matchAll(/:(\w+)|\*(\w+)/g)].map((m) => m[1] ?? m[2]),
            ...args,
          });
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

type ArgsInfo = Pick<
  DiscoveredRoute,
  'body' | 'queryDto' | 'queryNames' | 'bodyType' | 'queryType' | 'paramPipes'
>;

function argumentsOf(controller: Type, method: string): ArgsInfo {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    { index: number; data?: unknown; pipes?: unknown[] }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, method) ??
    []) as unknown[];
  const info: ArgsInfo = { body: 'none', queryDto: false, queryNames: [], paramPipes: {} };
  for (const [key, arg] of Object.entries(args)) {
    const kind = Number(key.split(':')[0]) as RouteParamtypes;
    const metatype = types[arg.index];
    const isDto =
      typeof metatype === 'function' && ![Object, String, Number, Boolean, Array].includes(metatype as never);
    if (kind === RouteParamtypes.BODY && (arg.data === undefined || arg.data === null)) {
      info.body = isDto ? 'dto' : 'raw';
      if (isDto) info.bodyType = metatype as Type;
    } else if (kind === RouteParamtypes.BODY && info.body === 'none') {
      info.body = 'raw';
    } else if (kind === RouteParamtypes.REQUEST && info.body === 'none') {
      info.body = 'raw';
    } else if (kind === RouteParamtypes.PARAM && typeof arg.data === 'string') {
      info.paramPipes[arg.data] = [...(info.paramPipes[arg.data] ?? []), ...(arg.pipes ?? [])];
    } else if (kind === RouteParamtypes.QUERY) {
      if (arg.data === undefined || arg.data === null) {
        info.queryDto = info.queryDto || isDto;
        if (isDto) info.queryType = metatype as Type;
      } else info.queryNames.push(typeof arg.data === 'string' ? arg.data : JSON.stringify(arg.data));
    }
  }
  return info;
}

/**
 * Whether a path parameter's own pipes accept a value (so a probe gets past them to the lookup).
 * A pipe class is instantiated without arguments; one that cannot be counts as refusing.
 */
export async function paramPipesAccept(
  route: DiscoveredRoute,
  param: string,
  value: string,
): Promise<boolean> {
  for (const p of route.paramPipes[param] ?? []) {
    try {
      const pipe = (typeof p === 'function' ? new (p as Type<PipeTransform>)() : p) as PipeTransform;
      await pipe.transform(value, { type: 'param', data: param, metatype: String });
    } catch {
      return false;
    }
  }
  return true;
}

/** The properties class-validator knows on a DTO class (its own and inherited), sorted. */
export function dtoProperties(type: Type): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

function asArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [''] : Array.isArray(value) ? value : [value];
}

/**
 * A concrete URL for a route: each path parameter replaced by `valueFor(name)` (already
 * URL-encoded by the caller), wildcards included.
 */
export function fillPath(path: string, valueFor: (param: string) => string): string {
  return path
    .replace(/\{?\*(\w+)\}?/g, (_m, name: string) => valueFor(name))
    .replace(/:(\w+)/g, (_m, name: string) => valueFor(name))
    .replace(/[{}]/g, '');
}
