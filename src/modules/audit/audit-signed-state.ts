import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditCheckpointRecord } from './audit.repository';

/** Where, under DATA_DIR, this instance keeps the last checkpoint it signed. */
export const LAST_CHECKPOINT_FILE = join('audit', 'last-checkpoint.json');

/**
 * The last checkpoint this instance signed, kept outside the database (DATA_DIR): if its row is
 * later missing, checkpoints were removed even when every trace in the database was cleaned up
 * (docs/audit.md, "Removed checkpoints"). Written atomically (temporary file, fsync, rename).
 */
export class LastSignedCheckpointFile {
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, LAST_CHECKPOINT_FILE);
  }

  write(checkpoint: AuditCheckpointRecord): void {
    mkdirSync(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }

  /** The checkpoint recorded, or null when none was (or the file is not one: callers check its signature). */
  read(): AuditCheckpointRecord | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return null;
    }
    try {
      const c = JSON.parse(text) as AuditCheckpointRecord;
      const valid =
        Number.isSafeInteger(c.id) &&
        Number.isSafeInteger(c.headSeq) &&
        typeof c.headHash === 'string' &&
        typeof c.signedAt === 'string' &&
        typeof c.keyId === 'string' &&
        typeof c.signature === 'string';
      return valid ? c : null;
    } catch {
      return null;
    }
  }
}
