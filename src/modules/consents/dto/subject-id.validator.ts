import { ValidateBy, ValidationOptions } from 'class-validator';
import { isValidSubjectId } from '../consent.model';

/** A data subject id: 1–200 printable characters, no surrounding spaces. */
export function IsSubjectId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSubjectId',
      validator: {
        validate: (value: unknown) => isValidSubjectId(value),
        defaultMessage: () =>
          '$property must be 1–200 printable characters without leading or trailing spaces',
      },
    },
    options,
  );
}
