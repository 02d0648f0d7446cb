import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseIsoDuration } from './iso-duration';

/** class-validator rule: a whole-number, non-zero ISO-8601 duration (see iso-duration.ts). */
export function IsIsoDuration(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoDuration',
      validator: {
        validate: (value: unknown) => {
          try {
            parseIsoDuration(value as string);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => {
          try {
            parseIsoDuration(args?.value as string);
            return '';
          } catch (e) {
            return `${args?.property} ${(e as Error).message}`;
          }
        },
      },
    },
    options,
  );
}
