import { err, ok, type Result } from '../kernel/index.ts';
import { isCosignatureVerifier } from './cosignature.ts';
import { decodeBase64, encodeBase64 } from './encoding.ts';
import { HASH_SIZE, type Hash, isTreeSize } from './merkle.ts';
import { type NoteSignature, type NoteVerifier, type OpenedNote, openNote } from './note.ts';

/**
 * Checkpoints, C2SP tlog-checkpoint v1.0.0 (https://c2sp.org/tlog-checkpoint): the text of a signed
 * note made of the origin line, the tree size in decimal, the root hash in base64, then optional
 * extension lines.
 *
 *     uk-sg.govbridge.example/ledger
 *     20852163
 *     CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Hash;
  /** Opaque, non-empty lines after the root hash (NOT RECOMMENDED by the specification; we write none). */
  readonly extensions: readonly string[];
}

export type CheckpointFailure = 'malformed_checkpoint' | 'wrong_origin';

export interface CheckpointError {
  readonly reason: CheckpointFailure;
  readonly message: string;
}

const fail = (reason: CheckpointFailure, message: string): Result<never, CheckpointError> =>
  err({ reason, message });

// biome-ignore lint/suspicious/noControlCharactersInRegex: a line may not hold control characters
const BAD_LINE = /[\u0000-\u001f]/;

/** The note text of a checkpoint (ends with a newline). */
export function formatCheckpoint(cp: Checkpoint): string {
  if (
    typeof cp.origin !== 'string' ||
    cp.origin.length === 0 ||
    BAD_LINE.test(cp.origin) ||
    !cp.origin.isWellFormed()
  ) {
    throw new TypeError('checkpoint origin must be one non-empty line');
  }
  if (!isTreeSize(cp.size)) throw new TypeError('checkpoint size must be an integer ≥ 0');
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== HASH_SIZE) {
    throw new TypeError('checkpoint root hash must be 32 bytes');
  }
  for (const e of cp.extensions) {
    if (e.length === 0 || BAD_LINE.test(e))
      throw new TypeError('extension lines must be non-empty single lines');
  }
  return [cp.origin, String(cp.size), encodeBase64(cp.rootHash), ...cp.extensions]
    .map((l) => `${l}\n`)
    .join('');
}

/**
 * Parse a checkpoint's note text strictly: at least three lines, every line non-empty and ended by a
 * newline, the size in decimal without leading zeroes (within 2^53 − 1 here), the root hash the
 * canonical base64 of 32 bytes.
 */
export function parseCheckpoint(text: string): Result<Checkpoint, CheckpointError> {
  if (typeof text !== 'string' || !text.endsWith('\n'))
    return fail('malformed_checkpoint', 'text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return fail('malformed_checkpoint', 'a checkpoint has at least three lines');
  if (lines.some((l) => l.length === 0))
    return fail('malformed_checkpoint', 'checkpoint lines must be non-empty');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) {
    return fail('malformed_checkpoint', 'tree size must be decimal without leading zeroes');
  }
  const size = Number(sizeLine);
  if (!isTreeSize(size)) return fail('malformed_checkpoint', 'tree size beyond 2^53 − 1');
  const rootHash = decodeBase64(rootLine);
  if (!rootHash || rootHash.length !== HASH_SIZE) {
    return fail('malformed_checkpoint', 'root hash must be the base64 of 32 bytes');
  }
  return ok({ origin, size, rootHash, extensions });
}

export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
  /** The note's signature lines from the log key(s). */
  readonly logSignatures: readonly NoteSignature[];
  /** Verified cosignatures from the given cosigner keys, with their timestamps. */
  readonly cosignatures: readonly {
    readonly name: string;
    readonly keyId: number;
    readonly timestamp: number;
  }[];
}

export interface OpenCheckpointOptions {
  /** The origin the checkpoint must have; by default the log key's name (the C2SP recommendation). */
  readonly origin?: string;
  /** Cosigner verifiers (cosignature.ts) whose cosignatures to verify and report. */
  readonly cosigners?: readonly NoteVerifier[];
}

export type OpenCheckpointFailure =
  | CheckpointFailure
  | 'malformed_note'
  | 'invalid_signature'
  | 'no_known_signature'
  | 'invalid_key'
  | 'ambiguous_key';

/**
 * Open a signed checkpoint: the note must carry a verified signature from one of `logKeys` (other
 * signatures are ignored, cosignatures from `cosigners` are verified and reported), and its text must
 * be a well-formed checkpoint for the expected origin.
 */
export function openCheckpoint(
  note: string,
  logKeys: readonly NoteVerifier[],
  options: OpenCheckpointOptions = {},
): Result<VerifiedCheckpoint, { reason: OpenCheckpointFailure; message: string }> {
  const cosigners = options.cosigners ?? [];
  const opened = openNote(note, [...logKeys, ...cosigners]);
  if (!opened.ok) return opened;
  const logSignatures = opened.value.verified.filter((s) => logKeys.includes(s.verifier));
  if (logSignatures.length === 0)
    return err({ reason: 'no_known_signature', message: 'not signed by the log key' });
  const parsed = parseCheckpoint(opened.value.text);
  if (!parsed.ok) return parsed;
  const expected = options.origin ?? logKeys[0]?.name;
  if (parsed.value.origin !== expected) {
    return fail('wrong_origin', `checkpoint origin is not ${JSON.stringify(expected)}`);
  }
  const cosignatures = opened.value.verified
    .filter((s) => cosigners.includes(s.verifier) && isCosignatureVerifier(s.verifier))
    .map((s) => ({ name: s.name, keyId: s.keyId, timestamp: readTimestamp(s.signature) }));
  return ok({ checkpoint: parsed.value, note: opened.value, logSignatures, cosignatures });
}

function readTimestamp(signature: Uint8Array): number {
  return Number(new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0));
}
