import { parse } from 'csv-parse/sync';
import type { Readable } from 'node:stream';
import { retentionRows } from '../builders/retention.report';
import { csvDocumentStream } from './csv-render';
import { DigestStream } from './digest-stream';
import { jsonDocumentStream, JsonItemStream, LazyJsonValue } from './json-render';
import { describeRetention } from './labels';
import { createHash } from 'node:crypto';

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('csvDocumentStream', () => {
  it('writes a UTF-8 BOM, the header and rows that parse back, with ; and quoting', async () => {
    const buf = await read(
      csvDocumentStream(
        ['Finalité', 'Nombre'],
        [
          ['Prospection; “e-mail”', 3],
          ['a\nb', null],
        ],
        ';',
      ),
    );
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(buf, { bom: true, delimiter: ';' });
    expect(rows).toEqual([
      ['Finalité', 'Nombre'],
      ['Prospection; “e-mail”', '3'],
      ['a\nb', ''],
    ]);
  });
});

describe('jsonDocumentStream', () => {
  it('streams items and evaluates lazy values after them', async () => {
    let seen = 0;
    async function* items() {
      for (let i = 0; i < 3; i++) {
        seen += 1;
        yield { i };
      }
    }
    const doc = JSON.parse(
      (
        await read(
          jsonDocumentStream([
            ['a', 1],
            ['items', new JsonItemStream(items())],
            ['seen', new LazyJsonValue(() => seen)],
            ['empty', new JsonItemStream([])],
          ]),
        )
      ).toString('utf8'),
    );
    expect(doc).toEqual({ a: 1, items: [{ i: 0 }, { i: 1 }, { i: 2 }], seen: 3, empty: [] });
  });
});

describe('DigestStream', () => {
  it('hashes the bytes passed through and reports before ending', async () => {
    let recorded: [string, number] | undefined;
    const digest = new DigestStream(async (sha, bytes) => {
      recorded = [sha, bytes];
    });
    digest.end('hello');
    const out = await read(digest);
    expect(out.toString()).toBe('hello');
    expect(recorded).toEqual([createHash('sha256').update('hello').digest('hex'), 5]);
  });

  it('fails the stream when the record cannot be written', async () => {
    const digest = new DigestStream(async () => {
      throw new Error('audit down');
    });
    digest.end('x');
    await expect(read(digest)).rejects.toThrow('audit down');
  });
});

describe('describeRetention', () => {
  it('says the retention rule in words', () => {
    expect(describeRetention({ duration: 'P1Y6M', trigger: 'last_interaction' }, 'en')).toBe(
      '1 year and 6 months from the last interaction',
    );
    expect(describeRetention({ duration: 'P3Y', trigger: 'contract_end' }, 'fr')).toBe(
      '3 ans à compter de la fin du contrat',
    );
    expect(describeRetention(null, 'en')).toBeNull();
  });
});

describe('retentionRows', () => {
  it('adds volumes per system × dataset and joins the overdue rows', () => {
    const rows = retentionRows(
      [
        { systemKey: 'crm', datasetKey: 't', deleted: 2, anonymised: 1, held: 0, failures: 0 },
        { systemKey: 'crm', datasetKey: 't', deleted: 3, anonymised: 0, held: 1, failures: 1 },
      ],
      [
        { systemKey: 'crm', datasetKey: 't', purposeCode: null, count: 4, note: null },
        { systemKey: 'erp', datasetKey: 'u', purposeCode: 'p', count: 2, note: null },
      ],
    );
    expect(rows).toEqual([
      { systemKey: 'crm', datasetKey: 't', deleted: 5, anonymised: 1, held: 1, failures: 1, overdue: 4 },
      { systemKey: 'erp', datasetKey: 'u', deleted: 0, anonymised: 0, held: 0, failures: 0, overdue: 2 },
    ]);
  });
});
