import { AuditChainVerifier, ChainBreakReason } from './audit-chain-verifier';
import { AuditEventRecord, GENESIS_HASH } from './audit-event.types';
import { chainHash } from './audit-hash';

function chain(length: number): AuditEventRecord[] {
  const events: AuditEventRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const content = {
      seq,
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      type: 'test.event',
      actor: { type: 'system' as const, id: 'finalite', name: 'Finalité' },
      target: null,
      purposeCode: null,
      subjectRef: null,
      payload: { n: seq },
      requestId: null,
    };
    const hash = chainHash(prevHash, content);
    events.push({ ...content, prevHash, hash });
    prevHash = hash;
  }
  return events;
}

function firstBreak(events: AuditEventRecord[], start = 1, anchor = GENESIS_HASH) {
  const verifier = new AuditChainVerifier(start, anchor);
  for (const e of events) {
    const b = verifier.check(e);
    if (b) return b;
  }
  return null;
}

describe('AuditChainVerifier', () => {
  it('accepts an intact chain and reports its head', () => {
    const events = chain(5);
    const verifier = new AuditChainVerifier(1, GENESIS_HASH);
    expect(events.map((e) => verifier.check(e))).toEqual([null, null, null, null, null]);
    expect(verifier.lastSeq).toBe(5);
    expect(verifier.lastHash).toBe(events[4].hash);
    expect(verifier.checkedEvents).toBe(5);
  });

  it('names an edited event', () => {
    const events = chain(5);
    events[2] = { ...events[2], payload: { n: 999 } };
    expect(firstBreak(events)).toMatchObject({
      seq: 3,
      reason: ChainBreakReason.HashMismatch,
      found: events[2].hash,
    });
  });

  it('names a deleted event', () => {
    const events = chain(5);
    events.splice(1, 1);
    expect(firstBreak(events)).toMatchObject({ seq: 2, reason: ChainBreakReason.MissingEvent });
  });

  it('names the first of two swapped events', () => {
    const events = chain(5);
    const swapped = [events[0], { ...events[2], seq: 2 }, { ...events[1], seq: 3 }, events[3], events[4]];
    expect(firstBreak(swapped)).toMatchObject({ seq: 2, reason: ChainBreakReason.PrevHashMismatch });
  });

  it('verifies a range from an anchor hash', () => {
    const events = chain(6);
    expect(firstBreak(events.slice(3), 4, events[2].hash)).toBeNull();
    expect(firstBreak(events.slice(3), 4, GENESIS_HASH)).toMatchObject({ seq: 4 });
  });
});
