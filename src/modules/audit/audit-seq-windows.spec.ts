import type { AuditEventRow } from './audit-event.mapper';
import { readBySeqWindows } from './audit-seq-windows';

/** A fake table holding the given sequence numbers; records every (lo, hi, limit) asked. */
function table(seqs: number[]) {
  const calls: Array<[number, number, number]> = [];
  const query = async (lo: number, hi: number, limit: number) => {
    calls.push([lo, hi, limit]);
    return seqs
      .filter((s) => s >= lo && s <= hi)
      .slice(0, limit)
      .map((s) => ({ seq: String(s) }) as AuditEventRow);
  };
  return { calls, query };
}

async function readAll(gen: AsyncGenerator<AuditEventRow[]>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const rows of gen) out.push(rows.map((r) => Number(r.seq)));
  return out;
}

describe('readBySeqWindows', () => {
  it('reads a dense range in batches, each query bounded to a window', async () => {
    const t = table(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await readAll(readBySeqWindows(t.query, 1, 10, 4))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    expect(t.calls.every(([lo, hi]) => hi - lo < 4)).toBe(true);
  });

  it('crosses gaps and widens the window over sparse rows, never past `to`', async () => {
    const t = table([2, 3, 40, 41, 500]);
    expect((await readAll(readBySeqWindows(t.query, 1, 100, 2))).flat()).toEqual([2, 3, 40, 41]);
    expect(Math.max(...t.calls.map(([, hi]) => hi))).toBe(100);
    const widths = t.calls.map(([lo, hi]) => hi - lo + 1);
    expect(Math.max(...widths)).toBeGreaterThan(2);
  });

  it('reads nothing from an empty or inverted range', async () => {
    const t = table([1, 2, 3]);
    expect(await readAll(readBySeqWindows(t.query, 5, 4, 10))).toEqual([]);
    expect(t.calls).toHaveLength(0);
  });
});
