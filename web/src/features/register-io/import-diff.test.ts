import { describe, expect, it } from 'vitest';
import { losses, registerProblems, summary, type RegisterDiff } from './import-diff';

const none = { created: [], changed: [], retired: [] };
const diff: RegisterDiff = {
  purposes: { created: ['a'], changed: ['b'], retired: ['z.old', 'c.old'] },
  processors: { created: [], changed: [], retired: ['mailer'] },
  systems: none,
  datasets: { created: [], changed: [], retired: ['crm/public.t'] },
  fields: { created: ['crm.public.t.x'], changed: [], retired: [] },
};

describe('register import diff', () => {
  it('lists what would be retired or removed, by kind, sorted', () => {
    expect(losses(diff)).toEqual([
      { kind: 'purposes', keys: ['c.old', 'z.old'] },
      { kind: 'processors', keys: ['mailer'] },
      { kind: 'datasets', keys: ['crm/public.t'] },
    ]);
    expect(losses({ purposes: none, processors: none, systems: none, datasets: none, fields: none })).toEqual(
      [],
    );
  });

  it('counts each kind and tells an import that changes nothing', () => {
    const s = summary(diff);
    expect(s.counts.purposes).toEqual({ created: 1, changed: 1, retired: 2 });
    expect(s.counts.systems).toEqual({ created: 0, changed: 0, retired: 0 });
    expect(s.empty).toBe(false);
    expect(
      summary({ purposes: none, processors: none, systems: none, datasets: none, fields: none }).empty,
    ).toBe(true);
  });

  it('keeps only well-formed problems from the details', () => {
    expect(registerProblems([{ path: 'purposes[a]', message: 'bad' }, { path: 1 }, 'x'])).toEqual([
      { path: 'purposes[a]', message: 'bad' },
    ]);
    expect(registerProblems({ path: 'x' })).toEqual([]);
  });
});
