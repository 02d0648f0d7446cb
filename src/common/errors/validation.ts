import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/** Properties whose rejected values are not echoed back in error details. */
const SECRET_PROPERTY = /(secret|password|connectionstring|token|apikey|^key$|credential)/i;

export interface PropertyProblem {
  property: string;
  value?: unknown;
  constraints: string[];
}

/** Flattens nested class-validator errors to one entry per bad property, with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      // Never echo what a write-only secret was set to (connection strings, webhook secrets…).
      const raw: unknown = SECRET_PROPERTY.test(e.property) ? '[redacted]' : e.value;
      const value = typeof raw === 'string' && raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
      out.push({
        property: path,
        ...(value !== undefined && typeof value !== 'object' ? { value } : {}),
        constraints: Object.values(e.constraints),
      });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

/**
 * A hand-written check for a hot-path body class that answers true only for a body the class's
 * decorators certainly accept unchanged (no unknown property, nothing to strip or convert). It may
 * answer false for a valid body: that body then goes through class-validator as usual, which also
 * produces every error message. So it can only save work, never change an answer.
 */
export type PlainlyValid = (value: unknown) => boolean;

const plainlyValid = new Map<abstract new () => unknown, PlainlyValid>();

/** Registers the fast check of a body class (see PlainlyValid). */
export function registerPlainlyValid<T>(type: new () => T, check: PlainlyValid): void {
  plainlyValid.set(type, check);
}

/**
 * True when `value` is JSON an object property can hold as parsed: plain objects, arrays and
 * primitives, nesting at most `depth`, and no key the validation pipe would strip.
 */
export function isPlainJson(value: unknown, depth = 16): boolean {
  if (value === null || typeof value !== 'object') {
    return typeof value !== 'function' && typeof value !== 'symbol' && typeof value !== 'bigint';
  }
  if (depth <= 0) return false;
  if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'prototype' || key === 'constructor') return false;
    if (!isPlainJson((value as Record<string, unknown>)[key], depth - 1)) return false;
  }
  return true;
}

/** The global pipe, with the fast path for registered hot-path body classes. */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.type === 'body' ? metadata.metatype : undefined;
    const check = type ? plainlyValid.get(type as new () => unknown) : undefined;
    if (type && check?.(value)) {
      return Object.assign(new (type as new () => object)(), value);
    }
    return super.transform(value, metadata);
  }
}

/** whitelist + forbidNonWhitelisted: unknown properties are errors, never silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      return new BadRequestException({
        code: 'VALIDATION_FAILED',
        message: `Request validation failed: ${details.map((d) => d.property).join(', ')}`,
        details,
      });
    },
  });
}
