import { err, ok, type Result } from '../kernel/index.ts';
import { type Checkpoint, openCheckpoint } from './checkpoint.ts';
import { cosignatureVerifier } from './cosignature.ts';
import { decodeBase64, encodeBase64, utf8Bytes } from './encoding.ts';
import { type LedgerEntry, parseEntry } from './entry.ts';
import { HASH_SIZE, type Hash, leafHash, verifyConsistencyProof, verifyInclusionProof } from './merkle.ts';
import { ed25519NoteVerifier, type NoteVerifier } from './note.ts';

/**
 * Receipts and offline verification. Everything here is pure: a citizen, an auditor or the other
 * country's hub needs only the receipt (or two checkpoints and a proof) and the log's verifier key.
 */

export const RECEIPT_FORMAT = 'govbridge-ledger-receipt/v1';

/** What a citizen gets for one release: the entry, where it is, and a signed tree that contains it. */
export interface Receipt {
  readonly format: typeof RECEIPT_FORMAT;
  /** Position of the entry in the log (0-based). */
  readonly index: number;
  /** The entry's canonical JSON: exactly the leaf data that was hashed. */
  readonly entry: string;
  /** base64 of H(0x00 || entry). */
  readonly leafHash: string;
  /** base64 hashes of the RFC 9162 inclusion proof, leaf end first, for the checkpoint's tree size. */
  readonly inclusionProof: readonly string[];
  /** The signed checkpoint (C2SP signed note), with any witness cosignatures. */
  readonly checkpoint: string;
}

export interface VerifiedReceipt {
  readonly entry: LedgerEntry;
  readonly index: number;
  readonly checkpoint: Checkpoint;
  /** Cosignatures verified with the given witness keys: key name and POSIX timestamp. */
  readonly cosignatures: readonly { readonly name: string; readonly timestamp: number }[];
}

export type VerificationFailure =
  | 'malformed'
  | 'invalid_key'
  | 'bad_checkpoint'
  | 'bad_entry'
  | 'leaf_hash_mismatch'
  | 'not_included'
  | 'not_consistent'
  | 'too_few_cosignatures';

export interface VerificationError {
  readonly reason: VerificationFailure;
  readonly message: string;
}

const fail = (reason: VerificationFailure, message: string): Result<never, VerificationError> =>
  err({ reason, message });

export interface VerifyOptions {
  /** The origin the checkpoint must name; default: the log key's name. */
  readonly origin?: string;
  /** Witness verifier keys (type 0x04) whose cosignatures to check. */
  readonly witnesses?: readonly string[];
  /** How many of `witnesses` must have cosigned (default 0). */
  readonly quorum?: number;
}

function decodeHashes(list: unknown): Hash[] | undefined {
  if (!Array.isArray(list) || list.length > 64) return undefined;
  const out: Hash[] = [];
  for (const s of list) {
    const h = typeof s === 'string' ? decodeBase64(s) : undefined;
    if (!h || h.length !== HASH_SIZE) return undefined;
    out.push(h);
  }
  return out;
}

function verifiers(
  logKey: string,
  options: VerifyOptions,
): Result<{ log: NoteVerifier; witnesses: NoteVerifier[] }, VerificationError> {
  const log = ed25519NoteVerifier(logKey);
  if (!log.ok) return fail('invalid_key', `log key: ${log.error.message}`);
  const witnesses: NoteVerifier[] = [];
  for (const w of options.witnesses ?? []) {
    const v = cosignatureVerifier(w);
    if (!v.ok) return fail('invalid_key', `witness key: ${v.error.message}`);
    witnesses.push(v.value);
  }
  return ok({ log: log.value, witnesses });
}

function openSigned(
  note: unknown,
  keys: { log: NoteVerifier; witnesses: NoteVerifier[] },
  options: VerifyOptions,
): Result<
  { checkpoint: Checkpoint; cosignatures: { name: string; timestamp: number }[] },
  VerificationError
> {
  if (typeof note !== 'string') return fail('malformed', 'checkpoint must be a signed note');
  const opened = openCheckpoint(note, [keys.log], {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    cosigners: keys.witnesses,
  });
  if (!opened.ok) return fail('bad_checkpoint', opened.error.message);
  const cosignatures = opened.value.cosignatures.map((c) => ({ name: c.name, timestamp: c.timestamp }));
  const quorum = options.quorum ?? 0;
  if (cosignatures.length < quorum) {
    return fail(
      'too_few_cosignatures',
      `${cosignatures.length} of the ${quorum} witness cosignatures required`,
    );
  }
  return ok({ checkpoint: opened.value.checkpoint, cosignatures });
}

/**
 * Verify a receipt offline: the checkpoint is signed by `logKey` (a C2SP verifier key, type 0x01)
 * for the expected origin, cosigned by at least `quorum` of `witnesses`; the entry is a well-formed
 * canonical ledger entry; its leaf hash is the one given; and the inclusion proof leads from it, at
 * its index, to the checkpoint's root for the checkpoint's signed tree size.
 */
export function verifyReceipt(
  receipt: Receipt,
  logKey: string,
  options: VerifyOptions = {},
): Result<VerifiedReceipt, VerificationError> {
  if (typeof receipt !== 'object' || receipt === null || receipt.format !== RECEIPT_FORMAT) {
    return fail('malformed', `not a ${RECEIPT_FORMAT} receipt`);
  }
  if (!Number.isSafeInteger(receipt.index) || receipt.index < 0)
    return fail('malformed', 'index must be an integer ≥ 0');
  if (typeof receipt.entry !== 'string') return fail('malformed', 'entry must be the canonical JSON text');
  const proof = decodeHashes(receipt.inclusionProof);
  if (!proof) return fail('malformed', 'inclusion proof must be a list of base64 SHA-256 hashes');
  const keys = verifiers(logKey, options);
  if (!keys.ok) return keys;
  const signed = openSigned(receipt.checkpoint, keys.value, options);
  if (!signed.ok) return signed;
  const entry = parseEntry(receipt.entry);
  if (!entry.ok) return fail('bad_entry', entry.error.message);
  const computed = leafHash(utf8Bytes(receipt.entry));
  if (encodeBase64(computed) !== receipt.leafHash)
    return fail('leaf_hash_mismatch', 'the entry does not hash to leafHash');
  const { checkpoint } = signed.value;
  const included = verifyInclusionProof(computed, receipt.index, checkpoint.size, proof, checkpoint.rootHash);
  if (!included.ok) return fail('not_included', included.error.message);
  return ok({
    entry: entry.value,
    index: receipt.index,
    checkpoint,
    cosignatures: signed.value.cosignatures,
  });
}

/**
 * Verify offline that `newCheckpoint` extends `oldCheckpoint` (both signed by `logKey`): the log
 * only appended. `proof` is the RFC 9162 consistency proof between their sizes, as base64 hashes.
 */
export function verifyConsistency(
  oldCheckpoint: string,
  newCheckpoint: string,
  proof: readonly string[],
  logKey: string,
  options: VerifyOptions = {},
): Result<{ readonly old: Checkpoint; readonly new: Checkpoint }, VerificationError> {
  const hashes = decodeHashes(proof);
  if (!hashes) return fail('malformed', 'consistency proof must be a list of base64 SHA-256 hashes');
  const keys = verifiers(logKey, options);
  if (!keys.ok) return keys;
  const a = openSigned(oldCheckpoint, keys.value, { ...options, quorum: 0 });
  if (!a.ok) return a;
  const b = openSigned(newCheckpoint, keys.value, options);
  if (!b.ok) return b;
  const older = a.value.checkpoint;
  const newer = b.value.checkpoint;
  if (older.origin !== newer.origin) return fail('not_consistent', 'the checkpoints are of different logs');
  const r = verifyConsistencyProof(older.size, newer.size, hashes, older.rootHash, newer.rootHash);
  if (!r.ok) return fail('not_consistent', r.error.message);
  return ok({ old: older, new: newer });
}
