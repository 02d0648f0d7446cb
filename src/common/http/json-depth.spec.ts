import { assertJsonDepth, JsonTooDeepError } from './json-depth';

const nested = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

describe('assertJsonDepth', () => {
  it('accepts nesting up to the limit', () => {
    expect(() => assertJsonDepth(nested(64), 64)).not.toThrow();
    const fourDeep = Buffer.from('{"a":{"b":[1,{"c":null}]}}');
    expect(() => assertJsonDepth(fourDeep, 4)).not.toThrow();
    expect(() => assertJsonDepth(fourDeep, 3)).toThrow(JsonTooDeepError);
  });

  it('refuses nesting beyond the limit', () => {
    expect(() => assertJsonDepth(nested(65), 64)).toThrow(JsonTooDeepError);
    expect(() => assertJsonDepth(nested(20_000))).toThrow(/deeper than 64/);
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    const s = JSON.stringify({ text: '[[[[[[ {{{{ \\" [[[[' + '['.repeat(200) });
    expect(() => assertJsonDepth(Buffer.from(s), 2)).not.toThrow();
  });
});
