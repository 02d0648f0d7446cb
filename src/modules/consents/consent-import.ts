import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../../common/errors/validation';
import { findPrototypeKey, prototypeKeyMessage } from '../../common/http/prototype-keys';
import { ImportConsentRowDto } from './dto/record-consent.dto';

/** Limits of one import (one transaction): beyond them, split the file. */
export const IMPORT_MAX_ROWS = 50_000;
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** Line errors listed in the answer (all are counted). */
export const IMPORT_MAX_LISTED_ERRORS = 1_000;

export interface NdjsonLine {
  /** 1-based line number in the body. */
  line: number;
  text: string;
}

export class ImportBodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`The import exceeds ${maxBytes} bytes`);
  }
}

/**
 * Reads a body line by line without holding it whole; blank lines are skipped but counted. Past
 * `maxBytes` it throws ImportBodyTooLarge and stops reading, WITHOUT destroying the stream: an
 * HTTP request destroyed half-read closes its socket, and the 413 would never reach the client.
 */
export async function* readNdjsonLines(
  body: Readable,
  maxBytes = IMPORT_MAX_BYTES,
): AsyncGenerator<NdjsonLine> {
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  let line = 0;
  let carry = '';
  function* complete(text: string): Generator<NdjsonLine> {
    line += 1;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() !== '') yield { line, text: trimmed };
  }
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > maxBytes) throw new ImportBodyTooLarge(maxBytes);
    carry += decoder.write(buffer);
    let from = 0;
    for (let nl = carry.indexOf('\n'); nl !== -1; nl = carry.indexOf('\n', from)) {
      yield* complete(carry.slice(from, nl));
      from = nl + 1;
    }
    carry = carry.slice(from);
  }
  carry += decoder.end();
  if (carry !== '') yield* complete(carry);
}

export type ParsedRow = { row: ImportConsentRowDto; problems?: undefined } | { problems: string[] };

/** Parses and validates one NDJSON line with the same rules as the single-consent route. */
export function parseImportRow(text: string): ParsedRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { problems: [`not valid JSON: ${(e as Error).message}`] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problems: ['each line must be a JSON object'] };
  }
  const protoPath = findPrototypeKey(value);
  if (protoPath !== undefined) return { problems: [prototypeKeyMessage(protoPath)] };
  const row = plainToInstance(ImportConsentRowDto, value, { enableImplicitConversion: false });
  const errors = validateSync(row, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    return {
      problems: flattenValidationErrors(errors).flatMap((p) =>
        p.constraints.map((c) => (c.startsWith(p.property) ? c : `${p.property}: ${c}`)),
      ),
    };
  }
  return { row };
}
