import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

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
      const raw: unknown = e.value;
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

/** whitelist + forbidNonWhitelisted: unknown properties are errors, never silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
