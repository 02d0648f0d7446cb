import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../../common/errors/validation';
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

export class ImportBodyTooLarge extends Error {}

/** Reads a body line by line without holding it whole; blank lines are skipped but counted. */
export async function* readNdjsonLines(
  body: Readable,
  maxBytes = IMPORT_MAX_BYTES,
): AsyncGenerator<NdjsonLine> {
  let bytes = 0;
  body.on('data', (chunk: Buffer | string) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (bytes > maxBytes) body.destroy(new ImportBodyTooLarge(`The import exceeds ${maxBytes} bytes`));
  });
  const reader = createInterface({ input: body, crlfDelay: Infinity });
  let line = 0;
  for await (const text of reader) {
    line += 1;
    if (text.trim() !== '') yield { line, text };
  }
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
