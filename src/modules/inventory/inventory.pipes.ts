import { Injectable, PipeTransform } from '@nestjs/common';
import { InvalidIdentifier } from '../../common/pipes/purpose-code.pipe';
import { DATASET_NAME, FIELD_KEY, SYSTEM_CODE } from './inventory.model';

/** Path identifiers are checked before any lookup: a malformed one is a 400, never a query. */
function identifierPipe(pattern: RegExp, max: number, what: string) {
  @Injectable()
  class IdentifierPipe implements PipeTransform<string, string> {
    transform(value: string): string {
      if (typeof value !== 'string' || value.length > max || !pattern.test(value)) {
        throw new InvalidIdentifier(`"${String(value).slice(0, max)}" is not a valid ${what}`);
      }
      return value;
    }
  }
  return IdentifierPipe;
}

export const SystemCodePipe = identifierPipe(SYSTEM_CODE, 50, 'system code (lower-case slug such as crm)');
export const DatasetNamePipe = identifierPipe(DATASET_NAME, 127, 'dataset name (schema.table)');
export const FieldKeyPipe = identifierPipe(FIELD_KEY, 250, 'field key (such as crm.customers.email)');
