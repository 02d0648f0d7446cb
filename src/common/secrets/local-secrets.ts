import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** A secret file that exists but cannot be used (empty, truncated, not the expected format). */
export class SecretFileInvalid extends Error {}

/** Filesystems without hard links (SMB/CIFS shares, some FUSE mounts) answer link() with these. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

/**
 * Puts the complete temporary file in place under its name, failing with EEXIST if the name is
 * taken. link() does both atomically; where hard links do not exist, a rename after an existence
 * check is the fallback (atomic for the content, with a small window between two first starts).
 */
function publish(temporary: string, file: string): void {
  try {
    linkSync(temporary, file);
  } catch (e) {
    if (!NO_HARD_LINKS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
    if (existsSync(file)) throw Object.assign(new Error(`${file} exists`), { code: 'EEXIST' });
    renameSync(temporary, file);
  }
}

/** Temporary files older than this are leftovers of a crashed first start, removed on the next one. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Secret material that may be generated on first start when not configured (audit HMAC and
 * signing keys, the at-rest encryption key). It is persisted under DATA_DIR/secrets with
 * mode 0600 so a restart keeps it. Several instances must share the same values: set the
 * environment variables in such deployments (docs/operations.md).
 *
 * Creation is atomic and durable: the value is written to a temporary file in the same directory
 * and fsynced, then hard-linked to its name (link() fails with EEXIST when another process got
 * there first: its value is read and used instead), then the directory is fsynced. So the file is
 * either absent or complete, for concurrent starters and after a crash alike.
 *
 * A file that exists but is empty (or fails `validate`) is never replaced: it may be a key that
 * already protects data (signatures, subject references, encrypted secrets) and was damaged, so
 * start-up fails with SecretFileInvalid naming the file and the variable that replaces it. (Versions
 * that created the file before writing it could leave it empty after a crash on first start: delete
 * it if nothing was ever written with it, else restore it.)
 */
export function loadOrCreateSecret(
  dataDir: string,
  name: string,
  generate: () => string,
  validate?: (value: string) => void,
): { value: string; created: boolean } {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`Invalid secret name ${name}`);
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  const existing = readSecret(file, name, validate);
  if (existing !== undefined) return { value: existing, created: false };

  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Directories created here: their entries in their parents must be durable too.
  for (let d = dir; created !== undefined && d !== dirname(created); d = dirname(d)) {
    fsyncDirectory(dirname(d));
  }
  removeStaleTemporaries(dir, name);
  const value = generate();
  if (value.trim() === '' || /[\r\n]/.test(value)) {
    throw new Error(`The generated secret ${name} must be one non-empty line`);
  }
  const temporary = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      writeSync(fd, `${value}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    publish(temporary, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another process created it between our check and our link: theirs is complete, use it.
    const theirs = readSecret(file, name, validate);
    if (theirs === undefined) throw e;
    return { value: theirs, created: false };
  } finally {
    removeQuietly(temporary);
    fsyncDirectory(dir);
  }
  return { value, created: true };
}

/** The secret in `file`, undefined when there is none; throws SecretFileInvalid when unusable. */
function readSecret(
  file: string,
  name: string,
  validate: ((value: string) => void) | undefined,
): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const variable = name.toUpperCase().replace(/-/g, '_');
  const value = text.trim();
  if (value === '') {
    throw new SecretFileInvalid(
      `The secret file ${file} is empty (a first start interrupted by an older version?). It is not ` +
        `replaced automatically: if nothing was ever protected by it, delete it to generate a new ` +
        `one; otherwise restore it from a backup or set ${variable}.`,
    );
  }
  if (validate) {
    try {
      validate(value);
    } catch (e) {
      throw new SecretFileInvalid(
        `The secret file ${file} is unreadable (truncated or corrupted?): ${(e as Error).message}. ` +
          `Restore it from a backup or set ${variable}.`,
      );
    }
  }
  return value;
}

/** Makes a directory's entries (a new link, a removal) durable. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some platforms and file systems cannot fsync a directory (Windows, some FUSE mounts).
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'ENOTSUP') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Temporary files of `name` left by a crash long ago (recent ones may be a concurrent starter's). */
function removeStaleTemporaries(dir: string, name: string): void {
  const prefix = `.${name}.`;
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue;
    const path = join(dir, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_TEMP_MS) unlinkSync(path);
    } catch {
      // Gone already (another starter cleaned it): nothing to do.
    }
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already removed.
  }
}
