import { describe, expect, it } from 'vitest';
import { buildPurposeTree, flattenTree, provenanceOf } from './purpose-tree';

const p = (code: string, parentCode: string | null = null) => ({ code, parentCode });

describe('buildPurposeTree', () => {
  it('nests sub-purposes under their parent, sorted by code, with their depth', () => {
    const tree = buildPurposeTree([
      p('marketing.sms', 'marketing'),
      p('hr'),
      p('marketing'),
      p('marketing.email', 'marketing'),
    ]);
    expect(flattenTree(tree).map((n) => [n.purpose.code, n.depth])).toEqual([
      ['hr', 0],
      ['marketing', 0],
      ['marketing.email', 1],
      ['marketing.sms', 1],
    ]);
  });

  it('puts a purpose whose parent is not in the list at the root (e.g. filtered out)', () => {
    const tree = buildPurposeTree([p('marketing.sms', 'marketing')]);
    expect(tree.map((n) => n.purpose.code)).toEqual(['marketing.sms']);
  });

  it('never loops on a cycle', () => {
    const tree = buildPurposeTree([p('a', 'b'), p('b', 'a'), p('c', 'c')]);
    expect(flattenTree(tree).map((n) => n.purpose.code)).toEqual(['c']);
  });
});

describe('provenanceOf', () => {
  it('says which ancestor an inherited value comes from', () => {
    const purpose = { inheritedFrom: { legalBasis: 'marketing' } };
    expect(provenanceOf(purpose, 'legalBasis')).toEqual({ inherited: true, from: 'marketing' });
    expect(provenanceOf(purpose, 'recipients')).toEqual({ inherited: false });
    expect(provenanceOf({}, 'legalBasis')).toEqual({ inherited: false });
  });
});
