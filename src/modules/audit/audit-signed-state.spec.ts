import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAST_CHECKPOINT_FILE, LastSignedCheckpointFile } from './audit-signed-state';

describe('LastSignedCheckpointFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'finalite-signed-state-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const checkpoint = {
    id: 7,
    headSeq: 1042,
    headHash: 'ab'.repeat(32),
    signedAt: '2026-12-04T10:00:00.000Z',
    keyId: 'c0ffee0123456789',
    signature: 'c2lnbmF0dXJl',
  };

  it('reads nothing before the first checkpoint, then the last one written', () => {
    const file = new LastSignedCheckpointFile(dir);
    expect(file.read()).toBeNull();
    file.write({ ...checkpoint, id: 6 });
    file.write(checkpoint);
    expect(file.read()).toEqual(checkpoint);
  });

  it('ignores a file that is not a checkpoint (damaged or hand-edited)', () => {
    const file = new LastSignedCheckpointFile(dir);
    writeFileSync(join(dir, LAST_CHECKPOINT_FILE), '{"id":"7"');
    expect(file.read()).toBeNull();
    writeFileSync(join(dir, LAST_CHECKPOINT_FILE), JSON.stringify({ ...checkpoint, headSeq: '1042' }));
    expect(file.read()).toBeNull();
  });
});
