#!/usr/bin/env node
// Verifies a Finalité audit export (NDJSON from GET /audit/export?format=ndjson) with nothing but
// Node.js (18+): no Finalité code, no dependency. The rules it applies are those of docs/audit.md.
//
//   node verify-audit-export.mjs export.ndjson [--checkpoints checkpoints.json --public-key key.pem]
//
// checkpoints.json: the body of GET /audit/checkpoints ({ items: [...] }) or an array of them.
// key.pem: the publicKeyPem of GET /audit/public-key (or that whole JSON response).
// Exit code: 0 verified, 1 broken (the first bad seq is printed), 2 usage or unreadable input.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const GENESIS_HASH = '0'.repeat(64);

/** Canonical JSON: keys sorted (UTF-16 code units), no whitespace, JSON.stringify strings and numbers. */
function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/** hash = SHA-256 hex of (prevHash hex ‖ canonical JSON of the event without its two hashes). */
function eventHash(e) {
  const content = {
    seq: e.seq,
    occurredAt: e.occurredAt,
    type: e.type,
    actor: e.actor,
    target: e.target,
    purposeCode: e.purposeCode,
    subjectRef: e.subjectRef,
    payload: e.payload,
    requestId: e.requestId,
  };
  return createHash('sha256').update(e.prevHash, 'utf8').update(canonicalJson(content), 'utf8').digest('hex');
}

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node verify-audit-export.mjs export.ndjson [--checkpoints file.json --public-key key.pem]\n`,
  );
  process.exit(2);
}

function broken(seq, what, expected, found) {
  process.stdout.write(`BROKEN at seq ${seq}: ${what}\n  expected: ${expected}\n  found:    ${found}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const exportPath = args[0];
if (!exportPath || exportPath.startsWith('--')) usage('missing export file');
const option = (name) => {
  const i = args.indexOf(name);
  return i > 0 ? args[i + 1] : undefined;
};
const checkpointsPath = option('--checkpoints');
const publicKeyPath = option('--public-key');
if (checkpointsPath && !publicKeyPath) usage('--checkpoints needs --public-key');

// Checkpoints: each signature must verify before it is relied upon.
const sealed = new Map();
if (checkpointsPath) {
  let publicKeyText = readFileSync(publicKeyPath, 'utf8');
  if (publicKeyText.trim().startsWith('{')) publicKeyText = JSON.parse(publicKeyText).publicKeyPem;
  const publicKey = createPublicKey(publicKeyText);
  const parsed = JSON.parse(readFileSync(checkpointsPath, 'utf8'));
  for (const c of Array.isArray(parsed) ? parsed : parsed.items) {
    const message = canonicalJson({ headHash: c.headHash, headSeq: c.headSeq, signedAt: c.signedAt });
    if (!verify(null, Buffer.from(message, 'utf8'), publicKey, Buffer.from(c.signature, 'base64'))) {
      broken(
        c.headSeq,
        `checkpoint ${c.id} has an invalid signature`,
        'a valid Ed25519 signature',
        c.signature,
      );
    }
    sealed.set(c.headSeq, [...(sealed.get(c.headSeq) ?? []), c]);
  }
}

let expectedSeq;
let prevHash;
let last;
let count = 0;
let checkpointsChecked = 0;
const lines = createInterface({ input: createReadStream(exportPath, 'utf8'), crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  let e;
  try {
    e = JSON.parse(line);
  } catch {
    usage(`line ${count + 1} is not JSON`);
  }
  if (expectedSeq === undefined) {
    // A complete export starts at seq 1 from the genesis hash; a range export is anchored on its
    // first event's prevHash (compare it with the previous range's last hash yourself).
    expectedSeq = e.seq;
    prevHash = e.seq === 1 ? GENESIS_HASH : e.prevHash;
  }
  if (e.seq !== expectedSeq) broken(expectedSeq, 'event missing', `seq ${expectedSeq}`, `seq ${e.seq}`);
  if (e.prevHash !== prevHash) broken(e.seq, 'does not link to the previous event', prevHash, e.prevHash);
  const recomputed = eventHash(e);
  if (recomputed !== e.hash) broken(e.seq, 'content does not match its hash', recomputed, e.hash);
  for (const c of sealed.get(e.seq) ?? []) {
    checkpointsChecked += 1;
    if (c.headHash !== e.hash) broken(e.seq, `differs from checkpoint ${c.id}`, c.headHash, e.hash);
  }
  prevHash = e.hash;
  expectedSeq += 1;
  last = e;
  count += 1;
}
if (!last) usage('the export holds no event');

// A checkpoint signed before the export's last event but beyond its last seq: events that existed
// when the export was made are missing (truncated tail).
for (const [seq, checkpoints] of sealed) {
  if (seq <= last.seq) continue;
  for (const c of checkpoints) {
    if (c.signedAt <= last.occurredAt) {
      broken(
        last.seq + 1,
        `truncated: checkpoint ${c.id} (signed ${c.signedAt}) covers up to seq ${seq}`,
        `events up to seq ${seq}`,
        `last event seq ${last.seq}`,
      );
    }
    process.stdout.write(`note: checkpoint ${c.id} (seq ${seq}) was signed after this export; not checked\n`);
  }
}
process.stdout.write(
  `OK: ${count} events verified, seq ${last.seq - count + 1}..${last.seq}, head ${last.hash}, ${checkpointsChecked} checkpoint(s) matched\n`,
);
