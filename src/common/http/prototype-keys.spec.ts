import { findPrototypeKey, findUnsafeKey } from './prototype-keys';

describe('findPrototypeKey', () => {
  it('finds __proto__ kept as an own property by JSON.parse, with its path', () => {
    expect(findPrototypeKey(JSON.parse('{"a":1,"__proto__":{"x":1}}'))).toBe('__proto__');
    expect(findPrototypeKey(JSON.parse('{"a":{"b":[1,{"constructor":2}]}}'))).toBe('a.b[1].constructor');
    expect(findPrototypeKey([{ ok: 1 }, { prototype: 1 }])).toBe('[1].prototype');
  });

  it('accepts ordinary values, and words that merely contain the names', () => {
    expect(findPrototypeKey({ a: [1, 'x', null, { b: { constructorName: 1 } }] })).toBeUndefined();
    expect(findPrototypeKey('__proto__')).toBeUndefined();
    expect(findPrototypeKey(null)).toBeUndefined();
  });

  it('walks deep values without recursion', () => {
    let deep: unknown = { __proto__x: 1 };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findPrototypeKey(deep)).toBeUndefined();
  });
});

describe('findUnsafeKey', () => {
  it('finds a cycle (a YAML node that contains itself) and accepts a node shared twice', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(findUnsafeKey({ a: cyclic })).toEqual({ kind: 'cycle', path: 'a[0]' });
    const shared = { x: 1 };
    expect(findUnsafeKey({ a: shared, b: [shared] })).toBeUndefined();
  });
});
