import { type JsonWebKey, type KeyObject, sign, verify } from 'node:crypto';
import { type Clock, err, ok, type Result, systemClock } from '../kernel/index.ts';
import { utf8Bytes } from './encoding.ts';
import {
  computeKeyId,
  ed25519PrivateKey,
  ed25519PublicKey,
  ed25519RawPublicKey,
  formatVerifierKey,
  isValidKeyName,
  type NoteError,
  type NoteSigner,
  type NoteVerifier,
  parseVerifierKey,
  SIGNATURE_TYPE,
} from './note.ts';

/**
 * Ed25519 checkpoint cosignatures, C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature),
 * signature type 0x04. A cosigner (a witness — for us, the other country's hub) states that, as of
 * its timestamp, this is the largest tree it has seen for the origin, consistent with everything
 * before. The signature line is an ordinary note signature whose bytes are a
 * `timestamped_signature`: the u64 big-endian POSIX timestamp, then the Ed25519 signature over
 *
 *     cosignature/v1
 *     time <timestamp>
 *     <the checkpoint's note text>
 */

const HEADER = 'cosignature/v1\n';

/** The message an Ed25519 cosignature signs (tlog-cosignature §Ed25519 signed message). */
export function cosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  return utf8Bytes(`${HEADER}time ${timestamp}\n${checkpointText}`);
}

export interface Cosigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** Verifier key with signature type 0x04, to give to whoever checks our cosignatures. */
  readonly verifierKey: string;
}

/**
 * A cosigner: a {@link NoteSigner} whose signature over a checkpoint's text is the 72-byte
 * timestamped signature, so `signNote(text, [cosigner])` produces a cosignature line. The time comes
 * from the clock, in whole seconds.
 */
export function ed25519Cosigner(
  name: string,
  privateKey: KeyObject | JsonWebKey,
  clock: Clock = systemClock,
): Cosigner {
  if (!isValidKeyName(name)) throw new TypeError('invalid cosigner name');
  const key = ed25519PrivateKey(privateKey);
  const publicKey = ed25519RawPublicKey(key);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.cosignatureV1, publicKey),
    publicKey,
    verifierKey: formatVerifierKey(name, SIGNATURE_TYPE.cosignatureV1, publicKey),
    sign(text) {
      const timestamp = clock.epochSeconds();
      const signature = sign(null, cosignatureMessage(decoder.decode(text), timestamp), key);
      const out = new Uint8Array(8 + 64);
      new DataView(out.buffer).setBigUint64(0, BigInt(timestamp));
      out.set(signature, 8);
      return out;
    },
  };
}

const cosignatureVerifiers = new WeakSet<NoteVerifier>();

/** Whether a verifier checks tlog-cosignature (type 0x04) signatures. */
export const isCosignatureVerifier = (v: NoteVerifier): boolean => cosignatureVerifiers.has(v);

/**
 * A verifier for a type 0x04 verifier key. It accepts a signature only if it is exactly 8 + 64 bytes,
 * its timestamp fits in 2^53 − 1 (the specification allows up to 2^63 − 1; no real clock gets there)
 * and the Ed25519 signature over the cosigned message verifies. `maxFutureSeconds`, when given, also
 * refuses timestamps further ahead of `clock` than that (the specification's MAY).
 */
export function cosignatureVerifier(
  vkey: string,
  options: { clock?: Clock; maxFutureSeconds?: number } = {},
): Result<NoteVerifier, NoteError> {
  const parsed = parseVerifierKey(vkey);
  if (!parsed.ok) return parsed;
  const { name, keyId, type, publicKey } = parsed.value;
  if (type !== SIGNATURE_TYPE.cosignatureV1) {
    return err({ reason: 'invalid_key', message: 'not a cosignature (type 0x04) verifier key' });
  }
  if (publicKey.length !== 32)
    return err({ reason: 'invalid_key', message: 'an Ed25519 public key is 32 bytes' });
  const key = ed25519PublicKey(publicKey);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const clock = options.clock ?? systemClock;
  const verifier: NoteVerifier = {
    name,
    keyId,
    type,
    verify(text, signature) {
      if (signature.length !== 72) return false;
      const big = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) return false;
      const timestamp = Number(big);
      if (
        options.maxFutureSeconds !== undefined &&
        timestamp > clock.epochSeconds() + options.maxFutureSeconds
      ) {
        return false;
      }
      return verify(null, cosignatureMessage(decoder.decode(text), timestamp), key, signature.subarray(8));
    },
  };
  cosignatureVerifiers.add(verifier);
  return ok(verifier);
}
