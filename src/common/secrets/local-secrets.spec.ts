import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
// The module object itself (what local-secrets.ts calls through), so that spies see its calls.
import fs from 'node:fs';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateSecret, SecretFileInvalid } from './local-secrets';
import { SecretCipher } from './secret-cipher';

const newValue = () => randomBytes(32).toString('base64');

describe('loadOrCreateSecret', () => {
  let dataDir: string;
  const secrets = () => join(dataDir, 'secrets');
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'finalite-secrets-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the secret once (mode 0600, one line), then reads it back; no temporary file is left', () => {
    const first = loadOrCreateSecret(dataDir, 'test-key', newValue);
    expect(first.created).toBe(true);
    const file = join(secrets(), 'test-key');
    expect(readFileSync(file, 'utf8')).toBe(`${first.value}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(dataDir, 'test-key', newValue)).toEqual({ value: first.value, created: false });
    expect(readdirSync(secrets())).toEqual(['test-key']);
  });

  it('writes and fsyncs a temporary file, then links it into place: the name never shows a partial file', () => {
    const fsynced: number[] = [];
    const realFsync = fs.fsyncSync;
    jest.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
      fsynced.push(fd);
      realFsync(fd);
    });
    const realLink = fs.linkSync;
    const atLink: { from: string; content: string; targetExists: boolean; fsyncsBefore: number }[] = [];
    jest.spyOn(fs, 'linkSync').mockImplementation((from, to) => {
      atLink.push({
        from: String(from),
        content: readFileSync(from, 'utf8'),
        targetExists: fs.existsSync(to),
        fsyncsBefore: fsynced.length,
      });
      realLink(from, to);
    });
    const { value } = loadOrCreateSecret(dataDir, 'test-key', newValue);
    expect(atLink).toHaveLength(1);
    expect(atLink[0]).toMatchObject({ content: `${value}\n`, targetExists: false });
    expect(atLink[0].from.startsWith(join(secrets(), '.test-key.'))).toBe(true);
    expect(atLink[0].fsyncsBefore).toBeGreaterThanOrEqual(1); // the file's content
    expect(fsynced.length).toBeGreaterThan(atLink[0].fsyncsBefore); // then the directory
  });

  it('uses the value of a concurrent starter that linked first (EEXIST on link)', () => {
    let theirs: string | undefined;
    const result = loadOrCreateSecret(dataDir, 'test-key', () => {
      // Another process creates the secret after our existence check, before our link.
      theirs = loadOrCreateSecret(dataDir, 'test-key', newValue).value;
      return newValue();
    });
    expect(result).toEqual({ value: theirs, created: false });
    expect(readFileSync(join(secrets(), 'test-key'), 'utf8')).toBe(`${theirs}\n`);
    expect(readdirSync(secrets())).toEqual(['test-key']);
  });

  it('falls back to a rename where the filesystem has no hard links (SMB, some FUSE mounts)', () => {
    jest.spyOn(fs, 'linkSync').mockImplementation(() => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    });
    const first = loadOrCreateSecret(dataDir, 'test-key', newValue);
    expect(first.created).toBe(true);
    expect(readFileSync(join(secrets(), 'test-key'), 'utf8')).toBe(`${first.value}\n`);
    expect(readdirSync(secrets())).toEqual(['test-key']);
    expect(loadOrCreateSecret(dataDir, 'test-key', newValue)).toEqual({ value: first.value, created: false });
  });

  it('gives every one of several processes starting at once the same complete secret, created once', async () => {
    const modulePath = join(__dirname, 'local-secrets.ts');
    // Each child loads the module, waits for a common instant, then generates slowly (50 ms) so
    // that all of them pass the existence check before any links its file.
    const child = `
      const { loadOrCreateSecret } = require(${JSON.stringify(modulePath)});
      const startAt = Number(process.argv[1]);
      while (Date.now() < startAt) {}
      const r = loadOrCreateSecret(process.argv[2], 'race-key', () => {
        const until = Date.now() + 50;
        while (Date.now() < until) {}
        return require('node:crypto').randomBytes(32).toString('base64');
      });
      process.stdout.write(JSON.stringify(r));
    `;
    const startAt = Date.now() + 4_000;
    const results = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', '-e', child, String(startAt), dataDir],
          { cwd: join(__dirname, '..', '..', '..') },
        );
        return JSON.parse(stdout) as { value: string; created: boolean };
      }),
    );
    const file = readFileSync(join(secrets(), 'race-key'), 'utf8');
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.value))).toEqual(new Set([file.trim()]));
    expect(file).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(readdirSync(secrets())).toEqual(['race-key']);
  }, 30_000);

  it('refuses an empty leftover file with a clear error, and never replaces it', () => {
    mkdirSync(secrets(), { recursive: true });
    const file = join(secrets(), 'audit-signing-key');
    writeFileSync(file, '');
    const generate = jest.fn(newValue);
    expect(() => loadOrCreateSecret(dataDir, 'audit-signing-key', generate)).toThrow(SecretFileInvalid);
    expect(() => loadOrCreateSecret(dataDir, 'audit-signing-key', generate)).toThrow(
      new RegExp(`${file} is empty.*delete it to generate a new one.*set AUDIT_SIGNING_KEY`),
    );
    writeFileSync(file, '\n  \n');
    expect(() => loadOrCreateSecret(dataDir, 'audit-signing-key', generate)).toThrow(/is empty/);
    expect(generate).not.toHaveBeenCalled();
    expect(readFileSync(file, 'utf8')).toBe('\n  \n');
  });

  it('refuses a truncated file that the caller can tell is wrong, naming the file', () => {
    mkdirSync(secrets(), { recursive: true });
    const file = join(secrets(), 'secrets-key');
    writeFileSync(file, `${newValue().slice(0, 20)}\n`);
    expect(() => SecretCipher.fromConfig({ DATA_DIR: dataDir })).toThrow(SecretFileInvalid);
    expect(() => SecretCipher.fromConfig({ DATA_DIR: dataDir })).toThrow(
      new RegExp(`${file} is unreadable \\(truncated or corrupted\\?\\).*set SECRETS_KEY`),
    );
    // A complete file is accepted by the same check.
    writeFileSync(file, `${newValue()}\n`);
    expect(() => SecretCipher.fromConfig({ DATA_DIR: dataDir })).not.toThrow();
  });

  it('after a crash between writing and linking: generates anew, removing only stale temporaries', () => {
    mkdirSync(secrets(), { recursive: true });
    const stale = join(secrets(), '.test-key.999.aaaaaaaaaaaa.tmp');
    const recent = join(secrets(), '.test-key.998.bbbbbbbbbbbb.tmp'); // perhaps a concurrent starter's
    writeFileSync(stale, 'half');
    writeFileSync(recent, 'other');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const result = loadOrCreateSecret(dataDir, 'test-key', newValue);
    expect(result.created).toBe(true);
    expect(readdirSync(secrets()).sort()).toEqual(['.test-key.998.bbbbbbbbbbbb.tmp', 'test-key']);
  });

  it('refuses names that could leave the secrets directory', () => {
    expect(() => loadOrCreateSecret(dataDir, '../x', newValue)).toThrow(/Invalid secret name/);
  });
});
