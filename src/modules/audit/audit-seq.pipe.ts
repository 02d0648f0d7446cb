import { Injectable, PipeTransform } from '@nestjs/common';
import { AuditSeqInvalid } from './audit.errors';

/**
 * Path sequence numbers: a positive safe integer, checked before any lookup (400, not 500).
 * The global ValidationPipe may already have converted the text to a number (NaN included).
 */
@Injectable()
export class AuditSeqPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const text = typeof value === 'number' || typeof value === 'string' ? String(value) : '';
    const seq = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(seq)) {
      throw new AuditSeqInvalid('The sequence number must be a positive integer', {
        value: text.slice(0, 40),
      });
    }
    return seq;
  }
}
