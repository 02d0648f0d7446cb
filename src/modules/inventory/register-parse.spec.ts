import { RegisterMalformed, RegisterTooLarge } from './inventory.errors';
import { parseRegisterBody } from './register-parse';

const limits = { maxBytes: 200, maxDepth: 8, maxNodes: 100, maxAliases: 3 };

describe('parseRegisterBody', () => {
  it('parses an ordinary YAML document and takes JSON objects as they are', () => {
    expect(parseRegisterBody('format: x\npurposes: []\nsystems: []\n', limits)).toEqual({
      format: 'x',
      purposes: [],
      systems: [],
    });
    expect(parseRegisterBody({ format: 'x' }, limits)).toEqual({ format: 'x' });
  });

  it('answers size with REGISTER_TOO_LARGE (413) and the other bounds with REGISTER_MALFORMED', () => {
    expect(() => parseRegisterBody(`a: ${'x'.repeat(300)}`, limits)).toThrow(RegisterTooLarge);
    expect(() => parseRegisterBody(`a: ${'['.repeat(20)}${']'.repeat(20)}`, limits)).toThrow(/deeper than 8/);
    expect(() => parseRegisterBody('a: &a x\nb: [*a, *a, *a, *a]', limits)).toThrow(/more than 3 aliases/);
  });

  it('turns parser failures (alias expansion, tags, duplicate keys, cycles) into REGISTER_MALFORMED', () => {
    const expansion = ['l0: &l0 [x, x]', 'l1: &l1 [*l0, *l0]', 'l2: &l2 [*l1, *l1]'].join('\n');
    for (const text of [expansion, 'a: !custom x', 'a: !!binary aGVsbG8=', 'a: 1\na: 2', 'a: &x [*x]']) {
      expect(() =>
        parseRegisterBody(text, { ...limits, maxAliases: 2 + (text === expansion ? 2 : 0) }),
      ).toThrow(RegisterMalformed);
    }
  });

  it('refuses prototype keys at any depth, in YAML and JSON, with their path', () => {
    expect(() => parseRegisterBody('systems:\n  - constructor: 1\n', limits)).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ path: 'systems[0].constructor' })] }),
    );
    expect(() => parseRegisterBody(JSON.parse('{"a":{"__proto__":{}}}'), limits)).toThrow(/a\.__proto__/);
  });
});
