import type { Schemas } from '../../api/client';

export type Verification = Schemas['AuditVerificationResponseDto'];

/** One sentence of the explanation: an i18n key under `audit.explain` and its values. */
export interface Sentence {
  key: string;
  values?: Record<string, string | number>;
}

export interface Explanation {
  /** intact: every event and checkpoint checked; broken: a first bad link; empty: nothing to check. */
  verdict: 'intact' | 'broken' | 'empty';
  sentences: Sentence[];
  /** The first broken link, to show with what was expected and what was found. */
  brokenLink: { seq: number; reason: string; expected: string; found: string; message: string } | null;
}

const short = (hash: string) => (hash.length > 16 ? `${hash.slice(0, 16)}…` : hash);

/**
 * What GET /audit/verify found, in sentences an auditor can read: how much was walked, up to
 * which verified head, which signed checkpoints backed it, and the first broken link if any.
 */
export function explainVerification(v: Verification): Explanation {
  const sentences: Sentence[] = [];
  const broken = v.ok ? null : (v.firstBreak ?? null);
  if (v.checkedEvents === 0 && !broken) {
    return { verdict: 'empty', sentences: [{ key: 'empty' }], brokenLink: null };
  }
  sentences.push({
    key: 'walked',
    values: { count: v.checkedEvents, from: v.fromSeq, to: v.toSeq },
  });
  if (v.head) {
    sentences.push({
      key: broken ? 'headBeforeBreak' : 'head',
      values: { seq: v.head.seq, hash: short(v.head.hash) },
    });
  } else if (broken) {
    sentences.push({ key: 'noVerifiedEvent' });
  }
  if (v.checkpoints.checked > 0) {
    sentences.push({ key: 'checkpoints', values: { count: v.checkpoints.checked } });
  } else {
    sentences.push({ key: 'noCheckpoint' });
  }
  if (v.checkpoints.latest) {
    sentences.push({
      key: 'latestCheckpoint',
      values: { seq: v.checkpoints.latest.headSeq, signedAt: v.checkpoints.latest.signedAt },
    });
  }
  if (v.checkpoints.unverifiable > 0) {
    sentences.push({ key: 'unverifiable', values: { count: v.checkpoints.unverifiable } });
  }
  if (broken) {
    sentences.push({ key: `reason.${broken.reason}`, values: { seq: broken.seq } });
    sentences.push({ key: 'afterBreak' });
  }
  return {
    verdict: broken ? 'broken' : 'intact',
    sentences,
    brokenLink: broken
      ? {
          seq: broken.seq,
          reason: broken.reason,
          expected: broken.expected,
          found: broken.found,
          message: broken.message,
        }
      : null,
  };
}

/** The reason codes the service can report (the keys `audit.explain.reason.*` must cover them). */
export const BREAK_REASONS = [
  'missing_event',
  'prev_hash_mismatch',
  'hash_mismatch',
  'checkpoint_mismatch',
  'checkpoint_signature_invalid',
  'truncated_tail',
  'checkpoints_missing',
] as const;
