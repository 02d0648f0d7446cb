import { Readable } from 'node:stream';
import { ImportBodyTooLarge, parseImportRow, readNdjsonLines } from './consent-import';

async function collect(body: string, maxBytes?: number) {
  const out = [];
  for await (const l of readNdjsonLines(Readable.from([body]), maxBytes)) out.push(l);
  return out;
}

describe('NDJSON consent import parsing', () => {
  it('numbers lines from 1, counting blank lines but not yielding them', async () => {
    const lines = await collect('{"a":1}\n\n  \r\n{"b":2}\r\n{"c":3}');
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, text: '{"c":3}' },
    ]);
  });

  it('stops a body over the byte limit', async () => {
    await expect(collect('x'.repeat(2000), 1000)).rejects.toBeInstanceOf(ImportBodyTooLarge);
  });

  it('accepts a complete row', () => {
    const parsed = parseImportRow(
      JSON.stringify({
        subjectId: 'c-1',
        purpose: 'marketing.newsletter',
        status: 'granted',
        source: 'shop',
      }),
    );
    expect(parsed.problems).toBeUndefined();
    expect(parsed).toMatchObject({ row: { subjectId: 'c-1', status: 'granted' } });
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['[1,2]', /JSON object/],
    ['{"subjectId":"c-1","purpose":"m","status":"maybe","source":"s"}', /status/],
    ['{"subjectId":" padded","purpose":"m","status":"granted","source":"s"}', /subjectId/],
    ['{"subjectId":"c-1","purpose":"Not A Code","status":"granted","source":"s"}', /purpose/],
    ['{"subjectId":"c-1","purpose":"m","status":"granted","source":"s","extra":1}', /extra/],
    ['{"subjectId":"c-1","purpose":"m","status":"granted"}', /source/],
  ])('reports what is wrong with %s', (text, expected) => {
    const parsed = parseImportRow(text);
    expect(parsed.problems?.join('; ')).toMatch(expected);
  });
});

describe('NDJSON consent import limits and keys', () => {
  it('stops past the byte limit without destroying the stream (its 413 must reach the client)', async () => {
    const body = Readable.from([Buffer.from('{"a":1}\n'.repeat(200))]);
    const read = async () => {
      for await (const _ of readNdjsonLines(body, 100)) void _;
    };
    await expect(read()).rejects.toMatchObject({ maxBytes: 100 });
    expect(body.destroyed).toBe(false);
  });

  it('refuses a prototype key on a line, naming it', () => {
    const parsed = parseImportRow(
      '{"subjectId":"c-1","purpose":"m","status":"granted","source":"s","__proto__":{}}',
    );
    expect(parsed.problems).toEqual([expect.stringContaining('property __proto__ is not allowed')]);
  });
});
