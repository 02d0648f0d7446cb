import { CronExpressionParser } from 'cron-parser';
import { ValidateBy, ValidationOptions } from 'class-validator';

export function isCronExpression(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 100 || value.trim().split(/\s+/).length < 5) return false;
  try {
    CronExpressionParser.parse(value);
    return true;
  } catch {
    return false;
  }
}

/** class-validator rule: a 5- or 6-field cron expression cron-parser accepts ("0 3 * * *"). */
export function IsCronExpression(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCronExpression',
      validator: {
        validate: (value: unknown) => isCronExpression(value),
        defaultMessage: (args) =>
          `${args?.property} must be a cron expression such as "0 3 * * *" (every day at 03:00)`,
      },
    },
    options,
  );
}
