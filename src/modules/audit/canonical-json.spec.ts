import { createHash } from 'node:crypto';
import { GENESIS_HASH } from './audit-event.types';
import { chainHash } from './audit-hash';
import { canonicalJson } from './canonical-json';

describe('canonical JSON', () => {
  it('sorts keys recursively and drops undefined, keeping array order and nulls', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":"é","z":null}]},"b":1}',
    );
  });

  it('is stable whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('chains: hash = sha256(prev ‖ canonical)', () => {
    const event = {
      seq: 1,
      occurredAt: '2026-01-01T00:00:00.000Z',
      type: 't',
      actor: { type: 'system' as const, id: 's', name: 'S' },
      target: null,
      purposeCode: null,
      subjectRef: null,
      payload: { n: 1 },
      requestId: null,
    };
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalJson(event))
      .digest('hex');
    expect(chainHash(GENESIS_HASH, event)).toBe(expected);
    expect(chainHash(GENESIS_HASH, { ...event, payload: { n: 2 } })).not.toBe(expected);
  });
});
