import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { findPrototypeKey, prototypeKeyMessage } from '../http/prototype-keys';

/** Properties whose rejected values are not echoed back in error details. */
const SECRET_PROPERTY = /(secret|password|connectionstring|token|apikey|^key$|credential)/i;

export interface PropertyProblem {
  property: string;
  value?: unknown;
  constraints: string[];
  /** The class-validator rule of each constraint, in the same order (`maxLength`, `isEnum`…): a stable
   * code the console translates, where the English texts above are for people reading the API. */
  rules: string[];
}

/** Flattens nested class-validator errors to one entry per bad property, with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    if (e.constraints) {
      const constraints = honestConstraints(e.constraints);
      // Never echo what a write-only secret was set to (connection strings, webhook secrets…).
      const raw: unknown = SECRET_PROPERTY.test(e.property) ? '[redacted]' : e.value;
      const value = typeof raw === 'string' && raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
      out.push({
        property: path,
        ...(value !== undefined && typeof value !== 'object' ? { value } : {}),
        constraints: Object.values(constraints),
        rules: Object.keys(constraints),
      });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

/** Size rules of a list, meaningless (and misleading) when the value is not a list at all. */
const ARRAY_SIZE_RULES = ['arrayMaxSize', 'arrayMinSize', 'arrayNotEmpty', 'arrayUnique'];

/**
 * The constraints worth reporting: when a value is not an array, "must contain no more than N
 * elements" is not what is wrong with it (a missing list used to be reported that way).
 */
function honestConstraints(constraints: Record<string, string>): Record<string, string> {
  if (!('isArray' in constraints)) return constraints;
  return Object.fromEntries(Object.entries(constraints).filter(([rule]) => !ARRAY_SIZE_RULES.includes(rule)));
}

/** A body holding a prototype key, refused like any other property the DTO does not declare. */
export function prototypeKeyRefusal(path: string): BadRequestException {
  return new BadRequestException({
    code: 'VALIDATION_FAILED',
    message: `Request validation failed: ${path}`,
    details: [{ property: path, constraints: [prototypeKeyMessage(path)], rules: ['whitelistValidation'] }],
  });
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
    // Every body, validated or raw (whitelisting could otherwise drop such a key silently).
    if (metadata.type === 'body') {
      const protoPath = findPrototypeKey(value);
      if (protoPath !== undefined) throw prototypeKeyRefusal(protoPath);
    }
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
