#!/usr/bin/env node
// Verifies a Finalité audit export (NDJSON from GET /audit/export?format=ndjson) with nothing but
// Node.js (18+): no Finalité code, no dependency. The rules it applies are those of docs/audit.md.
//
//   node verify-audit-export.mjs export.ndjson [--checkpoints checkpoints.ndjson --public-key key.pem]
//                                               [--to-seq N | --allow-newer-checkpoints]
//
// checkpoints: GET /audit/checkpoints/export (NDJSON, every checkpoint), or a saved page of
// GET /audit/checkpoints ({ items: [...] }), or a JSON array of checkpoints.
// key.pem: the publicKeyPem of GET /audit/public-key (or that whole JSON response).
// A verified checkpoint beyond the export's last event means a cut tail: BROKEN, unless the export
// is declared partial: --to-seq N (a range export meant to end at seq N: checkpoints beyond N are
// not checked, the export must reach N) or --allow-newer-checkpoints (checkpoints fetched after the
// export: those beyond it are only reported, and a cut tail is then caught only by signing times).
// A file the service exported from a cut trail is named …-truncated-below-seq-N.ndjson: BROKEN too.
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
    `${message}\nusage: node verify-audit-export.mjs export.ndjson [--checkpoints file --public-key key.pem]` +
      ` [--to-seq N | --allow-newer-checkpoints]\n`,
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
const allowNewer = args.includes('--allow-newer-checkpoints');
const toSeqText = option('--to-seq');
const toSeq = toSeqText === undefined ? undefined : Number(toSeqText);
if (checkpointsPath && !publicKeyPath) usage('--checkpoints needs --public-key');
if (args.includes('--to-seq') && !(Number.isSafeInteger(toSeq) && toSeq >= 1))
  usage('--to-seq needs a positive integer');
if (toSeq !== undefined && allowNewer) usage('--to-seq and --allow-newer-checkpoints exclude each other');

/** Checkpoints file: NDJSON (the export), a { items } page, an array, or a single checkpoint. */
function readCheckpoints(path) {
  const text = readFileSync(path, 'utf8');
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not one JSON document: NDJSON, one checkpoint per line.
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line);
        } catch {
          return usage(`${path}: line ${i + 1} is not JSON`);
        }
      });
  }
  if (Array.isArray(parsed)) return parsed;
  if (parsed && Array.isArray(parsed.items)) return parsed.items;
  if (parsed && typeof parsed.headSeq === 'number') return [parsed];
  return usage(`${path}: neither checkpoints NDJSON, a { items } page nor an array`);
}

// Checkpoints: each signature must verify before it is relied upon.
const sealed = new Map();
if (checkpointsPath) {
  let publicKeyText = readFileSync(publicKeyPath, 'utf8');
  if (publicKeyText.trim().startsWith('{')) publicKeyText = JSON.parse(publicKeyText).publicKeyPem;
  const publicKey = createPublicKey(publicKeyText);
  for (const c of readCheckpoints(checkpointsPath)) {
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

// The tail. A verified checkpoint beyond the export's last event proves that events existed there:
// the tail was cut (rows deleted before the export, or lines removed from the file). Signing times
// are not relied upon (clocks of several instances differ, a range export ends before later
// checkpoints), so that is a failure unless the export is declared partial.
if (toSeq !== undefined && last.seq > toSeq)
  usage(`the export goes beyond --to-seq ${toSeq} (seq ${last.seq})`);
if (toSeq !== undefined && last.seq < toSeq) {
  broken(
    last.seq + 1,
    `truncated: the export ends before --to-seq ${toSeq}`,
    `events up to seq ${toSeq}`,
    `last event seq ${last.seq}`,
  );
}
// The service names a file it exported from a trail cut below a signed checkpoint (it then serves
// what remains, unrecorded): `…-truncated-below-seq-N.ndjson`. That is a cut even without the checkpoints.
const cutMark = /-truncated-below-seq-(\d+)\.ndjson$/.exec(exportPath);
if (cutMark && toSeq === undefined && Number(cutMark[1]) > last.seq) {
  broken(
    last.seq + 1,
    `truncated: exported from a trail cut below a signed checkpoint at seq ${cutMark[1]} (see the file name)`,
    `events up to seq ${cutMark[1]}`,
    `last event seq ${last.seq}`,
  );
}
const beyond = [...sealed.entries()]
  .filter(([seq]) => seq > last.seq)
  .sort(([a], [b]) => a - b)
  .flatMap(([, checkpoints]) => checkpoints);
for (const c of beyond) {
  // With --to-seq the export reaches N (checked above): these lie outside the declared range. With
  // --allow-newer-checkpoints only one signed before the last exported event still proves a cut
  // (as far as the clocks of the instances agree).
  const truncated = toSeq === undefined && (!allowNewer || c.signedAt <= last.occurredAt);
  if (truncated) {
    broken(
      last.seq + 1,
      `truncated: checkpoint ${c.id} (signed ${c.signedAt}) covers up to seq ${c.headSeq}` +
        (allowNewer ? '' : ' (a range export? pass --to-seq N or --allow-newer-checkpoints)'),
      `events up to seq ${c.headSeq}`,
      `last event seq ${last.seq}`,
    );
  }
}
if (beyond.length > 0) {
  process.stdout.write(
    `note: ${beyond.length} checkpoint(s) beyond seq ${last.seq} not checked (${toSeq !== undefined ? `outside --to-seq ${toSeq}` : '--allow-newer-checkpoints'})\n`,
  );
}
process.stdout.write(
  `OK: ${count} events verified, seq ${last.seq - count + 1}..${last.seq}, head ${last.hash}, ${checkpointsChecked} checkpoint(s) matched\n`,
);
