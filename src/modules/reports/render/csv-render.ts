import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

export type CsvCell = string | number | boolean | null | undefined;

/**
 * Streams a CSV document (csv-stringify): UTF-8 byte-order mark so that Excel reads accents
 * right, CRLF line ends, the chosen delimiter, and rows read only as the consumer pulls.
 */
export function csvDocumentStream(
  header: string[],
  rows: AsyncIterable<CsvCell[]> | Iterable<CsvCell[]>,
  delimiter: ';' | ',',
): Readable {
  const stringifier = stringify({
    bom: true,
    delimiter,
    record_delimiter: 'windows',
    header: true,
    columns: header.map((h, i) => ({ key: String(i), header: h })),
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  });
  const source = Readable.from(toRecords(rows));
  source.on('error', (err) => stringifier.destroy(err));
  return source.pipe(stringifier);
}

async function* toRecords(rows: AsyncIterable<CsvCell[]> | Iterable<CsvCell[]>) {
  for await (const row of rows) {
    yield Object.fromEntries(row.map((cell, i) => [String(i), cell ?? '']));
  }
}
