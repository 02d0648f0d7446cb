import { Injectable, PipeTransform } from '@nestjs/common';
import { domainError, ErrorKind } from '../errors/domain-error';

export class InvalidIdentifier extends domainError('INVALID_IDENTIFIER', ErrorKind.Invalid) {}

/** Codes in paths (purposes, systems, fields): slugs, so a malformed one is a 400, not a lookup. */
const CODE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

@Injectable()
export class PurposeCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.length > 100 || !CODE.test(value)) {
      throw new InvalidIdentifier(
        `"${String(value).slice(0, 100)}" is not a valid code (lower-case slug such as marketing.newsletter)`,
      );
    }
    return value;
  }
}
