import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GENESIS_HASH } from './audit-event.types';
import { chainHash, hashedContent } from './audit-hash';
import { canonicalJson } from './canonical-json';

/*
 * Known answers. The canonical strings below were written by hand from the rules in docs/audit.md
 * (keys sorted by UTF-16 code units, ECMAScript number and string forms) and checked by eye; the
 * hashes were computed from those literal strings outside this code base (Python hashlib and
 * sha256sum over "0"×64 ‖ string), never by the implementation under test. The key order was
 * cross-checked with Python sorting by UTF-16-BE bytes. VECTOR_NDJSON is published in
 * docs/audit.md ("Known-answer vector") for third-party verifiers.
 */
const CANONICAL_1 = String.raw`{"actor":{"id":"00000000-0000-4000-8000-000000000001","name":"Zoë 😀","type":"principal"},"occurredAt":"2026-01-02T03:04:05.006Z","payload":{"10":true,"9":false,"a":{"x":[{},[]],"y":null},"n":{"big":18446744073709552000,"exp":1e+21,"max":9007199254740991,"neg":-1.5,"small":1e-7,"tenth":0.1,"zero":0},"s":"quote\" backslash\\ newline\n tab\t ctl\u0001 slash/ astral𝄞","z":[3,1,2],"é":"e acute","😀":"grinning face","｡":"halfwidth full stop"},"purposeCode":"marketing.newsletter","requestId":"req-1","seq":1,"subjectRef":null,"target":null,"type":"test.vector"}`;
const HASH_1 = 'fa946fdade2e6137f74d0cbcfa245ecbbc02a1baba50629536488bb8d44d34c4';
const CANONICAL_2 = String.raw`{"actor":{"id":"system","name":"Finalité","type":"system"},"occurredAt":"2026-01-02T03:04:05.007Z","payload":{"after":{"code":"marketing.newsletter","legalBasis":"consent"},"before":null},"purposeCode":"marketing.newsletter","requestId":null,"seq":2,"subjectRef":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","target":{"id":"marketing.newsletter","type":"purpose"},"type":"purpose.created"}`;
const HASH_2 = 'dcb89a7e08ae851af47f5acf1bbfa38d189dfb8264a9e35835679ee94a8bd912';

/** The same two events as an export writes them (record key order, payload keys unsorted). */
const VECTOR_NDJSON = [
  String.raw`{"seq":1,"occurredAt":"2026-01-02T03:04:05.006Z","type":"test.vector","actor":{"type":"principal","id":"00000000-0000-4000-8000-000000000001","name":"Zoë 😀"},"target":null,"purposeCode":"marketing.newsletter","subjectRef":null,"payload":{"z":[3,1,2],"s":"quote\" backslash\\ newline\n tab\t ctl\u0001 slash/ astral𝄞","｡":"halfwidth full stop","😀":"grinning face","é":"e acute","n":{"zero":0,"tenth":0.1,"small":1e-7,"neg":-1.5,"max":9007199254740991,"exp":1e+21,"big":18446744073709552000},"a":{"y":null,"x":[{},[]]},"9":false,"10":true},"requestId":"req-1","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"fa946fdade2e6137f74d0cbcfa245ecbbc02a1baba50629536488bb8d44d34c4"}`,
  String.raw`{"seq":2,"occurredAt":"2026-01-02T03:04:05.007Z","type":"purpose.created","actor":{"type":"system","id":"system","name":"Finalité"},"target":{"type":"purpose","id":"marketing.newsletter"},"purposeCode":"marketing.newsletter","subjectRef":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","payload":{"before":null,"after":{"legalBasis":"consent","code":"marketing.newsletter"}},"requestId":null,"prevHash":"fa946fdade2e6137f74d0cbcfa245ecbbc02a1baba50629536488bb8d44d34c4","hash":"dcb89a7e08ae851af47f5acf1bbfa38d189dfb8264a9e35835679ee94a8bd912"}`,
];

/** Event 1 as JavaScript values: -0, 2^64, keys in insertion order that is not the sorted one. */
const EVENT_1 = {
  seq: 1,
  occurredAt: '2026-01-02T03:04:05.006Z',
  type: 'test.vector',
  actor: { type: 'principal' as const, id: '00000000-0000-4000-8000-000000000001', name: 'Zoë 😀' },
  target: null,
  purposeCode: 'marketing.newsletter',
  subjectRef: null,
  payload: {
    z: [3, 1, 2],
    s: 'quote" backslash\\ newline\n tab\t ctl\u0001 slash/ astral\u{1D11E}',
    '\uFF61': 'halfwidth full stop',
    '\u{1F600}': 'grinning face',
    é: 'e acute',
    n: {
      zero: -0,
      tenth: 0.1,
      small: 1e-7,
      neg: -1.5,
      max: Number.MAX_SAFE_INTEGER,
      exp: 1e21,
      big: 2 ** 64,
    },
    a: { y: null, x: [{}, []] },
    9: false,
    10: true,
  },
  requestId: 'req-1',
};

const EVENT_2 = {
  seq: 2,
  occurredAt: '2026-01-02T03:04:05.007Z',
  type: 'purpose.created',
  actor: { type: 'system' as const, id: 'system', name: 'Finalité' },
  target: { type: 'purpose', id: 'marketing.newsletter' },
  purposeCode: 'marketing.newsletter',
  subjectRef: '0123456789abcdef'.repeat(4),
  payload: { before: null, after: { legalBasis: 'consent', code: 'marketing.newsletter' } },
  requestId: null,
};

describe('canonical JSON', () => {
  it('sorts keys recursively and drops undefined, keeping array order and nulls', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":"é","z":null}]},"b":1}',
    );
  });

  it('is stable whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it.each<[string, unknown, string]>([
    ['negative zero', -0, '0'],
    ['0.1 (shortest round trip)', 0.1, '0.1'],
    ['1e21 (exponent from 1e21 up)', 1e21, '1e+21'],
    ['just below 1e21', 999_999_999_999_999_900_000, '999999999999999900000'],
    ['1e-7 (exponent below 1e-6)', 1e-7, '1e-7'],
    ['1e-6', 0.000001, '0.000001'],
    ['largest safe integer', Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ['2^64 (as the double writes it)', 2 ** 64, '18446744073709552000'],
    ['negative fraction', -1.5, '-1.5'],
    ['smallest denormal', 5e-324, '5e-324'],
    ['integral float', 100.0, '100'],
    [
      'a Date (ISO 8601 UTC, milliseconds)',
      new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
      '"2026-01-02T03:04:05.006Z"',
    ],
    ['short escapes', '"\\\b\f\n\r\t', String.raw`"\"\\\b\f\n\r\t"`],
    ['control characters as \\u00xx (lowercase hex)', '\u0000\u0001\u001f', String.raw`"\u0000\u0001\u001f"`],
    ['DEL, slash, U+2028/2029 left as they are', '\u007f/\u2028\u2029', '"\u007f/\u2028\u2029"'],
    ['non-ASCII and astral characters unescaped', 'é€😀𝄞', '"é€😀𝄞"'],
    ['a lone surrogate escaped (refused by the trail anyway)', '\ud800', String.raw`"\ud800"`],
    ['null', null, 'null'],
    ['booleans in an array, undefined as null', [true, false, undefined, null], '[true,false,null,null]'],
    ['empty containers', { a: [], b: {} }, '{"a":[],"b":{}}'],
  ])('writes %s exactly', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('sorts keys by UTF-16 code units (an astral key before U+FF61), integer-like keys as strings', () => {
    const value = { '\uFF61': 1, '\u{1F600}': 2, é: 3, Z: 4, a: 5, '': 6, 10: 7, 9: 8 };
    expect(canonicalJson(value)).toBe('{"":6,"10":7,"9":8,"Z":4,"a":5,"é":3,"😀":2,"｡":1}');
  });

  it('writes nested objects with unsorted keys, arrays and dates exactly', () => {
    const value = {
      when: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)),
      list: [{ b: [2, 1], a: { d: null, c: -0 } }, 'x'],
      absent: undefined,
    };
    expect(canonicalJson(value)).toBe(
      '{"list":[{"a":{"c":0,"d":null},"b":[2,1]},"x"],"when":"1999-12-31T23:59:59.999Z"}',
    );
  });

  it('refuses what JSON cannot represent', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
  });

  describe('known-answer chain vector (published in docs/audit.md)', () => {
    it('the literal strings hash to the literal hashes (the vector is self-consistent)', () => {
      const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
      expect(sha(GENESIS_HASH + CANONICAL_1)).toBe(HASH_1);
      expect(sha(HASH_1 + CANONICAL_2)).toBe(HASH_2);
    });

    it('canonicalises and chains the events to the known strings and hashes', () => {
      expect(canonicalJson(hashedContent(EVENT_1))).toBe(CANONICAL_1);
      expect(chainHash(GENESIS_HASH, EVENT_1)).toBe(HASH_1);
      expect(canonicalJson(hashedContent(EVENT_2))).toBe(CANONICAL_2);
      expect(chainHash(HASH_1, EVENT_2)).toBe(HASH_2);
      expect(chainHash(GENESIS_HASH, { ...EVENT_1, payload: { ...EVENT_1.payload, z: [3, 2, 1] } })).not.toBe(
        HASH_1,
      );
    });

    it('the exported lines parse back to the same canonical strings and hashes', () => {
      const [line1, line2] = VECTOR_NDJSON.map((l) => JSON.parse(l) as Parameters<typeof hashedContent>[0]);
      expect(canonicalJson(hashedContent(line1))).toBe(CANONICAL_1);
      expect(canonicalJson(hashedContent(line2))).toBe(CANONICAL_2);
      expect(chainHash(GENESIS_HASH, line1)).toBe(HASH_1);
      expect(chainHash(HASH_1, line2)).toBe(HASH_2);
    });

    it('is published verbatim in docs/audit.md', () => {
      const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'audit.md'), 'utf8');
      const block = /### Known-answer vector[\s\S]*?```ndjson\n([\s\S]*?)```/.exec(doc)?.[1];
      expect(block?.trimEnd().split('\n')).toEqual(VECTOR_NDJSON);
      expect(doc).toContain(CANONICAL_1);
      expect(doc).toContain(HASH_1);
      expect(doc).toContain(HASH_2);
    });

    it('is accepted by docs/verify-audit-export.mjs, and one changed character is not', async () => {
      const work = mkdtempSync(join(tmpdir(), 'finalite-vector-'));
      const script = join(__dirname, '..', '..', '..', 'docs', 'verify-audit-export.mjs');
      const run = (file: string) =>
        promisify(execFile)(process.execPath, [script, file]).then(
          (r) => ({ code: 0, out: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
        );
      try {
        writeFileSync(join(work, 'vector.ndjson'), `${VECTOR_NDJSON.join('\n')}\n`);
        const ok = await run(join(work, 'vector.ndjson'));
        expect(ok).toEqual({
          code: 0,
          out: expect.stringContaining(`OK: 2 events verified, seq 1..2, head ${HASH_2}`),
        });
        writeFileSync(join(work, 'edited.ndjson'), `${VECTOR_NDJSON.join('\n').replace('1e-7', '1e-8')}\n`);
        const bad = await run(join(work, 'edited.ndjson'));
        expect(bad.code).toBe(1);
        expect(bad.out).toContain('BROKEN at seq 1: content does not match its hash');
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });
});
