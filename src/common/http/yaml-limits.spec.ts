import { parseDocument } from 'yaml';
import { checkYamlLimits, YamlLimits } from './yaml-limits';

const small: YamlLimits = { maxBytes: 10_000, maxDepth: 5, maxNodes: 50, maxAliases: 2 };
const deepBlock = (n: number) =>
  Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';

describe('checkYamlLimits', () => {
  it('accepts an ordinary document', () => {
    const text = 'format: x\npurposes:\n  - code: a # comment [[[[\n    tags: [a, b]\nsystems: []\n';
    expect(checkYamlLimits(text, small)).toBeUndefined();
  });

  it('measures depth by indentation, dashes and flow brackets', () => {
    expect(checkYamlLimits(deepBlock(5), small)).toBeUndefined();
    expect(checkYamlLimits(deepBlock(6), small)).toMatchObject({ limit: 'depth', max: 5 });
    expect(checkYamlLimits('- - - - - - x\n', small)).toMatchObject({ limit: 'depth' });
    expect(checkYamlLimits(`a: ${'{b: '.repeat(10_000)}1${'}'.repeat(10_000)}`)).toMatchObject({
      limit: 'depth',
      max: 64,
      line: 1,
    });
  });

  it('does not let quoted text or plain-scalar brackets hide real nesting', () => {
    // Closing brackets inside a quoted scalar do not close anything.
    expect(checkYamlLimits(`a: ["]]]]]]]]]]", ${'['.repeat(6)}${']'.repeat(6)}]\n`, small)).toMatchObject({
      limit: 'depth',
    });
    // Closing brackets in a block plain scalar do not lower the count below zero.
    expect(checkYamlLimits(`a: x]]]]]]]]]]\nb: ${'['.repeat(6)}${']'.repeat(6)}\n`, small)).toMatchObject({
      limit: 'depth',
    });
  });

  it('ignores brackets in quoted scalars, comments and block scalars', () => {
    const text = `a: "${'['.repeat(50)}"\nb: 'it''s ${'{'.repeat(50)}'\nc: it's fine # ${'['.repeat(50)}\nd: |\n  ${'['.repeat(50)}\ne: x\n`;
    expect(checkYamlLimits(text, small)).toBeUndefined();
    expect(parseDocument(text).errors).toEqual([]);
  });

  it('counts aliases, nodes and bytes', () => {
    expect(checkYamlLimits('a: &a x\nb: [*a, *a, *a]\n', small)).toMatchObject({ limit: 'aliases', max: 2 });
    expect(checkYamlLimits(Array.from({ length: 60 }, (_, i) => `k${i}: 1`).join('\n'), small)).toMatchObject(
      {
        limit: 'nodes',
      },
    );
    expect(checkYamlLimits(`a: [${Array(60).fill('1').join(', ')}]`, small)).toMatchObject({
      limit: 'nodes',
    });
    expect(checkYamlLimits(`a: ${'é'.repeat(6_000)}`, small)).toMatchObject({ limit: 'bytes', max: 10_000 });
  });
});
