import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyPaths, mergeCatalogue, type Catalogue } from './catalogue';

function load(language: string): Catalogue {
  const dir = join(__dirname, language);
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as Catalogue]),
  );
  return mergeCatalogue(files);
}

describe('translation catalogues', () => {
  const en = load('en');
  const fr = load('fr');

  it('French and English have the same keys', () => {
    expect(keyPaths(fr).sort()).toEqual(keyPaths(en).sort());
  });

  it('no message is empty', () => {
    const empty = (c: Catalogue) =>
      keyPaths(c).filter((path) => {
        const value = path.split('.').reduce<unknown>((node, k) => (node as Catalogue)[k], c);
        return typeof value !== 'string' || value.trim() === '';
      });
    expect(empty(en)).toEqual([]);
    expect(empty(fr)).toEqual([]);
  });

  it('refuses a section defined in two files', () => {
    expect(() => mergeCatalogue({ 'a.json': { shell: {} }, 'b.json': { shell: {} } })).toThrow(
      /defined twice/,
    );
  });
});
