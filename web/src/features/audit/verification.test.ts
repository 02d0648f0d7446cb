import { describe, expect, it } from 'vitest';
import en from '../../i18n/en/audit.json';
import fr from '../../i18n/fr/audit.json';
import { BREAK_REASONS, explainVerification, type Verification } from './verification';

const base: Verification = {
  ok: true,
  fromSeq: 1,
  toSeq: 120,
  checkedEvents: 120,
  head: { seq: 120, hash: 'a'.repeat(64) },
  checkpoints: {
    checked: 2,
    unverifiable: 0,
    latest: {
      id: 2,
      headSeq: 100,
      headHash: 'b'.repeat(64),
      signedAt: '2026-12-05T06:00:00Z',
      keyId: 'k',
      signature: 's',
    },
  },
  firstBreak: null,
  verifiedAt: '2026-12-05T07:00:00Z',
};

describe('explainVerification', () => {
  it('states an intact chain: events walked, verified head, checkpoints that backed it', () => {
    const e = explainVerification(base);
    expect(e.verdict).toBe('intact');
    expect(e.brokenLink).toBeNull();
    expect(e.sentences.map((s) => s.key)).toEqual(['walked', 'head', 'checkpoints', 'latestCheckpoint']);
    expect(e.sentences[1].values).toEqual({ seq: 120, hash: `${'a'.repeat(16)}…` });
  });

  it('names the first broken link, its reason, and the last event that still verified', () => {
    const e = explainVerification({
      ...base,
      ok: false,
      head: { seq: 41, hash: 'c'.repeat(64) },
      checkpoints: { ...base.checkpoints, checked: 0 },
      firstBreak: {
        seq: 42,
        reason: 'hash_mismatch',
        expected: 'e1',
        found: 'f1',
        message: 'Event seq 42 …',
      },
    });
    expect(e.verdict).toBe('broken');
    expect(e.brokenLink).toEqual({
      seq: 42,
      reason: 'hash_mismatch',
      expected: 'e1',
      found: 'f1',
      message: 'Event seq 42 …',
    });
    expect(e.sentences.map((s) => s.key)).toEqual([
      'walked',
      'headBeforeBreak',
      'noCheckpoint',
      'latestCheckpoint',
      'reason.hash_mismatch',
      'afterBreak',
    ]);
  });

  it('says so when the trail is empty', () => {
    expect(explainVerification({ ...base, checkedEvents: 0, head: null }).verdict).toBe('empty');
  });

  it('has a sentence in both languages for every break reason the service reports', () => {
    for (const catalogue of [en, fr]) {
      const reasons = (catalogue.audit.explain as { reason: Record<string, string> }).reason;
      for (const r of BREAK_REASONS) expect(reasons[r], r).toBeTruthy();
    }
  });
});
