#!/usr/bin/env node
/*
 * Check a govbridge ledger receipt — one file, nothing to install.
 *
 * WHAT THIS IS
 *   Whenever govbridge shares your information with a service or tells a government agency about you,
 *   it writes a line about it into a public, append-only log (a "transparency ledger"). On the page
 *   "Who has received your information" you can download a receipt for each line. This script checks
 *   that receipt on your own computer, without trusting govbridge, its website or its code.
 *
 * HOW TO RUN IT (Node.js 20 or later; no npm install, no copy of the govbridge repository)
 *   node verify-receipt.mjs govbridge-receipt-12.json --key "<the verifier key>"
 *   node verify-receipt.mjs govbridge-receipt-12.json --key "<the verifier key>" --log https://hub.example
 *   The verifier key is shown on the receipts page and published at <hub>/ledger/verifier-key. Get
 *   it from somewhere you trust (for instance, compare it with a copy a journalist or the other
 *   country published): the whole check rests on it.
 *
 * WHAT IT CHECKS, IN PLAIN WORDS
 *   1. The receipt's "checkpoint" — a short statement "the log had N entries and its fingerprint was
 *      R" — carries a valid digital signature (Ed25519) made with the log's key. Nobody without
 *      govbridge's private key can make one, and changing any character breaks it.
 *   2. The entry in the receipt — who received which of your details, what was withheld, when — is
 *      a well-formed ledger entry, written in the one exact way entries are written.
 *   3. The entry's fingerprint (SHA-256 of a zero byte followed by the entry) is the one in the receipt.
 *   4. The "inclusion proof" — a few fingerprints of other parts of the log — combines with the
 *      entry's fingerprint into exactly the signed fingerprint R of a log of N entries. So the entry
 *      really is entry number `index` of that signed log: it cannot be added, removed or changed
 *      later without the log's fingerprint changing for everyone.
 *   5. With --log: the hub's latest checkpoint is signed with the same key, and a "consistency
 *      proof" shows that today's log still starts with the log your receipt was signed for — it
 *      has only grown, nothing was removed or rewritten since.
 *   With --witness-key (repeatable), the checkpoint must also be countersigned by each witness (the
 *   other country's hub), so both countries would have to collude to fool you.
 *   If everything holds it prints what the entry says and exits with 0; otherwise it says what is
 *   wrong and exits with 1. A mistake in how it was run exits with 2.
 *   --json prints the outcome as one JSON object instead (for scripts).
 *
 * WHAT THE ENTRY DOES NOT SAY
 *   Entries name the attributes shared ("birthdate", "name"), never their values, and name you only
 *   by a salted code ("subject") that only the hub can link to your account.
 *
 * THE STANDARDS FOLLOWED (so you can check this script against them)
 *   - Merkle tree hashes and the inclusion and consistency proof checks: RFC 9162 §2.1.1, §2.1.3.2
 *     and §2.1.4.2 (https://www.rfc-editor.org/rfc/rfc9162#section-2.1).
 *   - Signed notes and verifier keys: C2SP signed-note (https://c2sp.org/signed-note); checkpoints:
 *     C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint); witness countersignatures: C2SP
 *     tlog-cosignature (https://c2sp.org/tlog-cosignature).
 *   - The entry's exact form: JSON with object keys sorted and no white space (RFC 8785 for the
 *     strings, whole numbers, lists and objects an entry holds).
 *   The same checks as govbridge's own `npm run cli -- ledger verify-receipt`, written again here
 *   from the standards so that it can be read in one sitting and run from a copy of this file alone.
 */

import { createHash, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const RECEIPT_FORMAT = 'govbridge-ledger-receipt/v1';
const ED25519 = 0x01; // signed-note signature type of an Ed25519 signature over the note text
const COSIGNATURE_V1 = 0x04; // tlog-cosignature: an Ed25519 signature over a timestamped message
const MAX_SIGNATURES = 100;
const MAX_NOTE_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;

/** A failed check: `reason` is a stable word (the same as govbridge's own verifier), `message` says why. */
class Invalid extends Error {
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}
/** A mistake in how the script was run (exit 2). */
class Usage extends Error {}

// ---------------------------------------------------------------------------------------------
// Bytes

const utf8 = (text) => new TextEncoder().encode(text);
const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const sameBytes = (a, b) => a.length === b.length && timingSafeEqual(a, b);
const toBase64 = (bytes) => Buffer.from(bytes).toString('base64');

/** Standard base64 with padding (RFC 4648 §4), canonical only: one byte string, one spelling. */
function fromBase64(text) {
  if (typeof text !== 'string') return undefined;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

/** A list of base64 SHA-256 hashes (a proof), or undefined. */
function hashList(list) {
  if (!Array.isArray(list) || list.length > 64) return undefined;
  const out = [];
  for (const item of list) {
    const h = fromBase64(item);
    if (h?.length !== 32) return undefined;
    out.push(h);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Verifier keys and signed notes (C2SP signed-note)

// biome-ignore lint/suspicious/noControlCharactersInRegex: the specification forbids exactly these
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/;

/** Key names are non-empty, without Unicode white space, `+` or control characters. */
const isKeyName = (name) =>
  name.length > 0 &&
  name.isWellFormed() &&
  !/[\p{White_Space}+]/u.test(name) &&
  !CONTROL_EXCEPT_NEWLINE.test(name);

/** key ID = the first 4 bytes (big-endian) of SHA-256(key name || 0x0A || signature type || public key). */
const keyIdOf = (name, type, publicKey) =>
  Buffer.from(sha256(utf8(name), Uint8Array.of(0x0a, type), publicKey)).readUInt32BE(0);

const hex8 = (n) => n.toString(16).padStart(8, '0');

/**
 * A verifier key `<name>+<8 hex digits of key ID>+<base64(type || 32-byte Ed25519 public key)>`. The
 * key ID must be the one computed from the name and the key, so a key cannot be given another name.
 */
function parseVerifierKey(vkey, type, what) {
  const bad = (why) => new Invalid('invalid_key', `${what}: ${why}`);
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw bad('a verifier key is <name>+<hex key ID>+<base64 key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const material = fromBase64(vkey.slice(second + 1));
  if (!isKeyName(name)) throw bad('invalid key name in verifier key');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw bad('key ID must be 8 lower-case hex digits');
  if (!material || material.length < 2) throw bad('key material is not base64');
  const publicKey = material.subarray(1);
  const keyId = Number.parseInt(idHex, 16);
  if (keyIdOf(name, material[0], publicKey) !== keyId) {
    throw bad('key ID does not match the key name and public key');
  }
  if (material[0] !== type) {
    throw bad(
      type === ED25519
        ? 'not an Ed25519 (type 0x01) verifier key'
        : 'not a cosignature (type 0x04) verifier key',
    );
  }
  if (publicKey.length !== 32) throw bad('an Ed25519 public key is 32 bytes');
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return { name, keyId, type, key };
}

/** Does `signature` (the bytes after the key ID) by `k` hold over the note text? */
function signatureHolds(k, text, signature) {
  if (k.type === ED25519) return signature.length === 64 && verify(null, utf8(text), k.key, signature);
  // tlog-cosignature: 8-byte big-endian POSIX time, then Ed25519 over
  // "cosignature/v1\ntime <time>\n" followed by the checkpoint text.
  if (signature.length !== 72) return false;
  const time = Buffer.from(signature.subarray(0, 8)).readBigUInt64BE(0);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) return false;
  return verify(null, utf8(`cosignature/v1\ntime ${time}\n${text}`), k.key, signature.subarray(8));
}

/**
 * Open a signed note: the text, a blank line, then lines `— <key name> base64(key ID || signature)`.
 * Every signature by a key we were given (same name and key ID) must verify; signatures by other
 * keys are ignored, as the specification says. Returns the text and the keys that signed it.
 */
function openNote(note, keys) {
  const bad = (why) => new Invalid('bad_checkpoint', why);
  if (typeof note !== 'string') throw new Invalid('malformed', 'checkpoint must be a signed note');
  if (note.length > MAX_NOTE_BYTES) throw bad('note too large');
  if (!note.isWellFormed()) throw bad('note is not valid UTF-8');
  if (CONTROL_EXCEPT_NEWLINE.test(note)) throw bad('note contains control characters other than newline');
  const split = note.lastIndexOf('\n\n'); // the last blank line separates text and signatures
  if (split < 0) throw bad('no blank line between text and signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    throw bad('signature lines must follow the blank line, each ending with a newline');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw bad(`more than ${MAX_SIGNATURES} signatures`);
  const signedBy = new Set();
  for (const line of lines) {
    const space = line.indexOf(' ', 2);
    const bytes = line.startsWith('— ') && space > 2 ? fromBase64(line.slice(space + 1)) : undefined;
    const name = line.slice(2, space);
    if (!bytes || bytes.length < 5 || !isKeyName(name)) throw bad('ill-formed signature line');
    const keyId = Buffer.from(bytes).readUInt32BE(0);
    const known = keys.filter((k) => k.name === name && k.keyId === keyId);
    if (known.length === 0) continue;
    if (known.length > 1) throw bad(`more than one known key is ${name}+${hex8(keyId)}`);
    if (!signatureHolds(known[0], text, bytes.subarray(4))) {
      throw bad(`signature by ${name}+${hex8(keyId)} does not verify`);
    }
    signedBy.add(known[0]);
  }
  if (signedBy.size === 0) throw bad('no signature from a known key');
  return { text, signedBy };
}

/**
 * A checkpoint (C2SP tlog-checkpoint): the log's name (origin), the tree size in decimal, the root
 * hash in base64, each on its own line; signed by the log key and naming the log key's own name.
 */
function openCheckpoint(note, logKey, witnessKeys) {
  const { text, signedBy } = openNote(note, [logKey, ...witnessKeys]);
  if (!signedBy.has(logKey)) throw new Invalid('bad_checkpoint', 'not signed by the log key');
  const bad = (why) => new Invalid('bad_checkpoint', why);
  if (!text.endsWith('\n')) throw bad('text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('a checkpoint has at least three lines');
  if (lines.some((l) => l.length === 0)) throw bad('checkpoint lines must be non-empty');
  const [origin, sizeLine, rootLine] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) throw bad('tree size must be decimal without leading zeroes');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw bad('tree size beyond 2^53 − 1');
  const root = fromBase64(rootLine);
  if (root?.length !== 32) throw bad('root hash must be the base64 of 32 bytes');
  if (origin !== logKey.name) throw bad(`checkpoint origin is not ${JSON.stringify(logKey.name)}`);
  const cosigned = witnessKeys.filter((w) => signedBy.has(w));
  if (cosigned.length < witnessKeys.length) {
    throw new Invalid(
      'too_few_cosignatures',
      `${cosigned.length} of the ${witnessKeys.length} witness cosignatures required`,
    );
  }
  return { origin, size, root, cosignedBy: cosigned.map((w) => w.name) };
}

// ---------------------------------------------------------------------------------------------
// The entry: one release, in canonical JSON

const IDENTIFIER = /^[A-Za-z0-9._~:/-]{1,200}$/;
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** JSON with the keys of every object sorted (by UTF-16 code units) and no white space. */
function canonicalJson(value) {
  const sortKeys = (v) =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys(v[k])]),
          )
        : v;
  return JSON.stringify(sortKeys(value));
}

/**
 * The entry, checked field by field: exactly these fields and no others, identifiers and attribute
 * names of the allowed characters (nothing that could hold a name, an address or a value), a real
 * time, lists sorted, nothing both released and withheld — and written in canonical form, so that
 * an entry has exactly one fingerprint.
 */
function parseEntry(text) {
  const bad = (why) => new Invalid('bad_entry', why);
  let e;
  try {
    e = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const exactly = (v, keys, where) => {
    if (!isObject(v)) throw bad(`${where}: expected an object`);
    const extra = Object.keys(v).find((k) => !keys.includes(k));
    if (extra) throw bad(`${where}: unknown field ${JSON.stringify(extra)}`);
    const missing = keys.find((k) => !(k in v));
    if (missing) throw bad(`${where}.${missing}: required`);
  };
  const matches = (v, pattern, where) => {
    if (typeof v !== 'string' || !pattern.test(v)) throw bad(`${where}: not allowed here`);
  };
  const list = (v, where, each) => {
    if (!Array.isArray(v) || v.length > 200) throw bad(`${where}: expected a list of at most 200`);
    for (const [i, item] of v.entries()) each(item, `${where}.${i}`);
  };
  exactly(
    e,
    [
      'v',
      'releaseId',
      'time',
      'recipient',
      'released',
      'withheld',
      'subject',
      'consentId',
      'decisions',
      'trustFrameworkVersion',
    ],
    'entry',
  );
  if (e.v !== 1) throw bad('v: not entry format 1');
  matches(e.releaseId, IDENTIFIER, 'releaseId');
  matches(e.time, TIME, 'time');
  exactly(e.recipient, ['kind', 'id', 'country'], 'recipient');
  if (e.recipient.kind !== 'service' && e.recipient.kind !== 'agency')
    throw bad('recipient.kind: service or agency');
  matches(e.recipient.id, IDENTIFIER, 'recipient.id');
  matches(e.recipient.country, /^[A-Z]{2}$/, 'recipient.country');
  list(e.released, 'released', (a, where) => matches(a, ATTRIBUTE, where));
  list(e.withheld, 'withheld', (w, where) => {
    exactly(w, ['attribute', 'policy'], where);
    matches(w.attribute, ATTRIBUTE, `${where}.attribute`);
    matches(w.policy, IDENTIFIER, `${where}.policy`);
  });
  matches(e.subject, /^[0-9a-f]{64}$/, 'subject');
  if (e.consentId !== null) matches(e.consentId, IDENTIFIER, 'consentId');
  list(e.decisions, 'decisions', (d, where) => matches(d, IDENTIFIER, where));
  matches(e.trustFrameworkVersion, IDENTIFIER, 'trustFrameworkVersion');

  if (canonicalJson(e) !== text) throw bad('not in canonical form');
  const t = new Date(e.time);
  if (Number.isNaN(t.getTime()) || t.toISOString() !== e.time) throw bad('time: not a real instant');
  const sorted = (xs) => [...xs].sort().join('\n') === xs.join('\n');
  const unique = (xs) => new Set(xs).size === xs.length;
  const withheld = e.withheld.map((w) => w.attribute);
  if (!sorted(e.released)) throw bad('released: not sorted');
  if (!sorted(withheld)) throw bad('withheld: not sorted by attribute');
  if (!unique(e.released)) throw bad('released: an attribute appears twice');
  if (!unique(withheld)) throw bad('withheld: an attribute appears twice');
  if (withheld.some((a) => e.released.includes(a))) throw bad('an attribute is both released and withheld');
  if (!unique(e.decisions)) throw bad('decisions: an id appears twice');
  return e;
}

// ---------------------------------------------------------------------------------------------
// The Merkle tree (RFC 9162 §2.1)

/** A leaf's hash: SHA-256(0x00 || entry bytes). */
const leafHash = (bytes) => sha256(Uint8Array.of(0x00), bytes);
/** An interior node's hash: SHA-256(0x01 || left || right). */
const nodeHash = (left, right) => sha256(Uint8Array.of(0x01), left, right);
const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2); // not >> 1: sizes may exceed 32 bits

/** RFC 9162 §2.1.3.2, step by step: is `leaf` at `index` in the tree of `size` leaves with root `root`? */
function checkInclusion(leaf, index, size, proof, root) {
  const bad = (why) => new Invalid('not_included', why);
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (index >= size) throw bad(`leaf index ${index} is not below tree size ${size}`);
  // 2. Set fn to leaf_index and sn to tree_size - 1. 3. Set r to hash.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  // 4. For each value p in the inclusion_path array:
  for (const p of proof) {
    // a. If sn is 0, stop the iteration and fail the proof verification.
    if (sn === 0) throw bad('proof is longer than the path to the root');
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (odd(fn) || fn === sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = nodeHash(p, r);
      // ii. If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // Otherwise: i. Set r to HASH(0x01 || r || p).
      r = nodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 5. Compare sn to 0. Compare r against the root_hash.
  if (sn !== 0) throw bad('proof is shorter than the path to the root');
  if (!sameBytes(r, root)) throw bad('the proof does not lead to the root hash');
}

/** RFC 9162 §2.1.4.2, step by step: is the tree (size1, root1) the beginning of the tree (size2, root2)? */
function checkConsistency(size1, size2, proof, root1, root2) {
  const bad = (why) => new Invalid('not_consistent', why);
  if (size1 > size2) throw bad(`first size ${size1} is larger than second ${size2}`);
  if (size1 === size2) {
    if (proof.length !== 0) throw bad('trees of equal size need an empty proof');
    if (!sameBytes(root1, root2)) throw bad('trees of equal size have different roots');
    return;
  }
  if (size1 === 0) {
    // The empty tree (root SHA-256 of nothing) begins every tree.
    if (proof.length !== 0) throw bad('the empty tree needs an empty proof');
    if (!sameBytes(root1, sha256(new Uint8Array(0)))) throw bad('not the root of the empty tree');
    return;
  }
  // 1. If consistency_path is an empty array, stop and fail the proof verification.
  if (proof.length === 0) throw bad('empty proof for different tree sizes');
  // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
  const isPowerOfTwo = Number.isInteger(Math.log2(size1)) && 2 ** Math.log2(size1) === size1;
  const path = isPowerOfTwo ? [root1, ...proof] : proof;
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr = path[0];
  let sr = path[0];
  // 6. For each subsequent value c in the consistency_path array:
  for (const c of path.slice(1)) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0) throw bad('proof is longer than the trees need');
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (odd(fn) || fn === sn) {
      // i. Set fr to HASH(0x01 || c || fr). ii. Set sr to HASH(0x01 || c || sr).
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // iii. If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // Otherwise: i. Set sr to HASH(0x01 || sr || c).
      sr = nodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 7. Verify that fr equals first_hash, sr equals second_hash, and sn is 0.
  if (sn !== 0) throw bad('proof is shorter than the trees need');
  if (!sameBytes(fr, root1)) throw bad('the proof does not lead to the first root');
  if (!sameBytes(sr, root2)) throw bad('the proof does not lead to the second root');
}

// ---------------------------------------------------------------------------------------------
// The receipt

/**
 * Verify a receipt with the log's verifier key (and witnesses' keys), in the same order as govbridge's
 * own verifier: the receipt's shape, the keys, the signed checkpoint, the entry, its fingerprint, the
 * inclusion proof. Returns what the entry says; throws Invalid.
 */
function verifyReceipt(receipt, logKeyText, witnessKeyTexts = []) {
  const malformed = (why) => new Invalid('malformed', why);
  if (receipt === null || typeof receipt !== 'object' || receipt.format !== RECEIPT_FORMAT) {
    throw malformed(`not a ${RECEIPT_FORMAT} receipt`);
  }
  if (!Number.isSafeInteger(receipt.index) || receipt.index < 0)
    throw malformed('index must be an integer ≥ 0');
  if (typeof receipt.entry !== 'string') throw malformed('entry must be the canonical JSON text');
  const proof = hashList(receipt.inclusionProof);
  if (!proof) throw malformed('inclusion proof must be a list of base64 SHA-256 hashes');
  const logKey = parseVerifierKey(logKeyText, ED25519, 'log key');
  const witnessKeys = witnessKeyTexts.map((w) => parseVerifierKey(w, COSIGNATURE_V1, 'witness key'));
  const checkpoint = openCheckpoint(receipt.checkpoint, logKey, witnessKeys);
  const entry = parseEntry(receipt.entry);
  const leaf = leafHash(utf8(receipt.entry));
  if (toBase64(leaf) !== receipt.leafHash) {
    throw new Invalid('leaf_hash_mismatch', 'the entry does not hash to leafHash');
  }
  checkInclusion(leaf, receipt.index, checkpoint.size, proof, checkpoint.root);
  return { entry, index: receipt.index, checkpoint };
}

/** What a failed check means, in words a citizen can act on. */
function explain(e, claimedSize) {
  switch (e.reason) {
    case 'malformed':
      return `this is not a govbridge ledger receipt (${e.message})`;
    case 'invalid_key':
      return `the key given is not a ledger verifier key (${e.message})`;
    case 'bad_checkpoint':
      return `the receipt's checkpoint is not signed with this key, or it was changed (${e.message})`;
    case 'too_few_cosignatures':
      return `the receipt's checkpoint lacks the witness cosignatures asked for (${e.message})`;
    case 'bad_entry':
      return `the receipt's entry is not a valid ledger entry (${e.message})`;
    case 'leaf_hash_mismatch':
      return "the receipt's entry was changed: it no longer hashes to the receipt's leaf hash";
    case 'not_included':
      return `the inclusion proof does not lead to the root signed for tree size ${claimedSize ?? '?'}: the entry, its index or the proof was changed, or the proof is for another tree size (${e.message})`;
    default:
      return e.message;
  }
}

/** The size a checkpoint claims, read without trusting it (for messages only). */
function claimedSize(note) {
  const line = typeof note === 'string' ? note.split('\n')[1] : undefined;
  return line && /^\d{1,15}$/.test(line) ? Number(line) : undefined;
}

function describe(entry) {
  const r = entry.recipient;
  const who = `${r.kind === 'agency' ? 'the agency' : 'the service'} ${r.id} (${r.country === 'GB' ? 'United Kingdom' : r.country === 'SG' ? 'Singapore' : r.country})`;
  const lines = [
    `  recipient:   ${who}`,
    `  released:    ${entry.released.join(', ') || 'nothing'}`,
    `  withheld:    ${entry.withheld.map((w) => `${w.attribute} (policy ${w.policy})`).join(', ') || 'nothing'}`,
    `  time:        ${entry.time} (UTC)`,
  ];
  if (entry.consentId) lines.push(`  consent:     ${entry.consentId}`);
  lines.push(`  you, as a salted code: ${entry.subject}`);
  return lines.map((l) => `${l}\n`).join('');
}

// ---------------------------------------------------------------------------------------------
// --log: has the log only grown since the receipt?

async function fetchText(url, what) {
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  } catch (e) {
    throw new Invalid(
      'unreachable',
      `Could not fetch ${what} from ${url}: ${e?.cause?.message ?? e.message}`,
    );
  }
  const body = await res.text();
  if (!res.ok) throw new Invalid('unreachable', `Could not fetch ${what} from ${url}: HTTP ${res.status}`);
  return body;
}

async function checkLog(hub, receiptCheckpoint, logKey) {
  const latestNote = await fetchText(`${hub}/ledger/checkpoint`, "the hub's latest checkpoint");
  let latest;
  try {
    latest = openCheckpoint(latestNote, logKey, []);
  } catch (e) {
    throw new Invalid('not_consistent', `its latest checkpoint is not signed with this key (${e.message})`);
  }
  if (latest.size < receiptCheckpoint.size) {
    throw new Invalid(
      'not_consistent',
      `its latest checkpoint has ${latest.size} ${latest.size === 1 ? 'entry' : 'entries'}, fewer than the ${receiptCheckpoint.size} your receipt was signed for: the log was truncated or rewritten`,
    );
  }
  const body = await fetchText(
    `${hub}/ledger/consistency?from=${receiptCheckpoint.size}&to=${latest.size}`,
    'a consistency proof',
  );
  let proof;
  try {
    proof = hashList(JSON.parse(body).hashes);
  } catch {
    proof = undefined;
  }
  if (!proof) throw new Invalid('not_consistent', 'the consistency proof it sent is not a list of hashes');
  try {
    checkConsistency(receiptCheckpoint.size, latest.size, proof, receiptCheckpoint.root, latest.root);
  } catch (e) {
    throw new Invalid(
      'not_consistent',
      `its latest checkpoint (tree size ${latest.size}) does not extend your receipt's (tree size ${receiptCheckpoint.size}): the log was rewritten (${e.message})`,
    );
  }
  return latest;
}

// ---------------------------------------------------------------------------------------------
// The command line

const USAGE = `Usage: node verify-receipt.mjs RECEIPT.json --key VERIFIER_KEY [--witness-key KEY ...] [--log HUB_URL] [--json]
  --key          the ledger's verifier key (shown on the receipts page; also at HUB_URL/ledger/verifier-key)
  --witness-key  a witness's verifier key: the checkpoint must be countersigned by it (repeatable)
  --log          the hub's address: also check that its log has only grown since your receipt
  --json         print the outcome as one JSON object
`;

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        key: { type: 'string' },
        'witness-key': { type: 'string', multiple: true },
        log: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new Usage(e.message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new Usage('');
  if (positionals.length !== 1) throw new Usage('give exactly one receipt file');
  if (typeof values.key !== 'string' || values.key.trim() === '') {
    throw new Usage('--key VERIFIER_KEY is required: the hub publishes it at /ledger/verifier-key');
  }
  let log;
  if (values.log !== undefined) {
    let u;
    try {
      u = new URL(values.log);
    } catch {
      throw new Usage(`${values.log} is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new Usage(`${values.log} is not an http(s) URL`);
    log = u.toString().replace(/\/+$/, '');
  }
  return {
    file: positionals[0],
    key: values.key.trim(),
    witnesses: (values['witness-key'] ?? []).map((w) => w.trim()),
    log,
    json: values.json === true,
  };
}

async function main(argv, out, err) {
  let o;
  try {
    o = options(argv);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    err(`${e.message ? `${e.message}\n\n` : ''}${USAGE}`);
    return 2;
  }
  let text;
  try {
    text = readFileSync(o.file, 'utf8');
  } catch {
    err(`${o.file} is not a readable file\n\n${USAGE}`);
    return 2;
  }
  const report = (fields) => out(`${JSON.stringify(fields)}\n`);
  let receipt;
  let verified;
  try {
    try {
      receipt = JSON.parse(text);
    } catch {
      throw new Invalid('malformed', 'it is not JSON');
    }
    verified = verifyReceipt(receipt, o.key, o.witnesses);
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    const why = e.message === 'it is not JSON' ? e.message : explain(e, claimedSize(receipt?.checkpoint));
    if (o.json) report({ ok: false, reason: e.reason, message: why });
    else err(`Receipt ${o.file} does NOT verify: ${why}\n`);
    return 1;
  }
  const { entry, index, checkpoint } = verified;
  if (!o.json) {
    out(
      `Receipt OK: entry ${index} is in the log ${checkpoint.origin} as signed at tree size ${checkpoint.size}\n` +
        describe(entry) +
        checkpoint.cosignedBy.map((name) => `  countersigned by the witness ${name}\n`).join(''),
    );
  }
  const result = { ok: true, index, treeSize: checkpoint.size, origin: checkpoint.origin, entry };
  if (o.log) {
    try {
      const latest = await checkLog(o.log, checkpoint, parseVerifierKey(o.key, ED25519, 'log key'));
      result.log = { ok: true, treeSize: latest.size };
      if (!o.json) {
        out(
          `Log OK: the log has only grown since: its latest checkpoint (tree size ${latest.size}) is consistent with your receipt's (tree size ${checkpoint.size})\n`,
        );
      }
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      const why =
        e.reason === 'unreachable'
          ? e.message
          : `The log at ${o.log} is NOT consistent with receipt ${o.file}: ${e.message}`;
      if (o.json) report({ ...result, ok: false, log: { ok: false, reason: e.reason, message: why } });
      else err(`${why}\n`);
      return 1;
    }
  }
  if (o.json) report(result);
  return 0;
}

process.exitCode = await main(
  process.argv.slice(2),
  (s) => process.stdout.write(s),
  (s) => process.stderr.write(s),
);
