import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { err, ok, type Result } from '../kernel/index.ts';
import { decodeBase64, encodeBase64, utf8Bytes } from './encoding.ts';

/**
 * Signed notes, C2SP signed-note v1.0.0 (https://c2sp.org/signed-note): a text ending in a newline,
 * a blank line, then one or more signature lines `— <key name> base64(key ID || signature)`.
 * Ed25519 signatures (type 0x01) are made and checked here; other signature types plug in through
 * {@link NoteSigner} and {@link NoteVerifier} (cosignatures, type 0x04, in cosignature.ts).
 */

/** Signature type identifier bytes (signed-note §Signature types). */
export const SIGNATURE_TYPE = { ed25519: 0x01, cosignatureV1: 0x04 } as const;

/** Verifiers MUST accept at least 16 signatures; we refuse more than this many (as Go's x/mod/sumdb/note does). */
export const MAX_SIGNATURES = 100;
/** A bound on what a verifier reads at all (a checkpoint with 100 post-quantum signatures fits). */
export const MAX_NOTE_BYTES = 1024 * 1024;

export interface NoteSigner {
  /** Key name: non-empty, no Unicode white space, no `+`. */
  readonly name: string;
  /** The 32-bit key ID. */
  readonly keyId: number;
  /** The signature bytes over the note text (what follows the key ID in the signature line). */
  sign(text: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The base64 of key ID || signature, as in the line. */
  readonly base64: string;
  /** The signature bytes after the key ID. */
  readonly signature: Uint8Array;
}

export interface OpenedNote {
  readonly text: string;
  /** Signatures from the known keys, each verified. */
  readonly verified: readonly (NoteSignature & { readonly verifier: NoteVerifier })[];
  /** Signatures from keys we do not know, ignored as the specification says. */
  readonly unknown: readonly NoteSignature[];
}

export type NoteFailure =
  | 'malformed_note'
  | 'invalid_signature'
  | 'no_known_signature'
  | 'invalid_key'
  | 'ambiguous_key';

export interface NoteError {
  readonly reason: NoteFailure;
  readonly message: string;
}

const noteError = (reason: NoteFailure, message: string): Result<never, NoteError> =>
  err({ reason, message });

/** Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus (U+002B). */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.isWellFormed() &&
    !/[\p{White_Space}+]/u.test(name) &&
    !hasControlCharacter(name)
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the specification forbids exactly these
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f]/;
const hasControlCharacter = (s: string): boolean => CONTROL_EXCEPT_NEWLINE.test(s);

/** key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian. */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(utf8Bytes(name))
    .update(Uint8Array.of(0x0a, type))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/** `<name>+hex(key ID)+base64(type || public key)` — signed-note §Verifier keys. */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new TypeError('invalid key name');
  const material = new Uint8Array(publicKey.length + 1);
  material[0] = type;
  material.set(publicKey, 1);
  return `${name}+${hex8(computeKeyId(name, type, publicKey))}+${encodeBase64(material)}`;
}

export interface ParsedVerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

/**
 * Parse a verifier key. The key ID must be the one computed from name, type and key (the
 * recommended derivation, which every signature type we accept uses).
 */
export function parseVerifierKey(vkey: string): Result<ParsedVerifierKey, NoteError> {
  // Names and hex never contain '+'; base64 may: the key is everything after the second '+'.
  const first = typeof vkey === 'string' ? vkey.indexOf('+') : -1;
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) return noteError('invalid_key', 'a verifier key is <name>+<hex key ID>+<base64 key>');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const keyB64 = vkey.slice(second + 1);
  if (!isValidKeyName(name)) return noteError('invalid_key', 'invalid key name in verifier key');
  if (!/^[0-9a-f]{8}$/.test(idHex)) return noteError('invalid_key', 'key ID must be 8 lower-case hex digits');
  const material = decodeBase64(keyB64);
  if (!material || material.length < 2) return noteError('invalid_key', 'key material is not base64');
  const type = material[0]!;
  const publicKey = material.subarray(1);
  const keyId = Number.parseInt(idHex, 16);
  if (computeKeyId(name, type, publicKey) !== keyId) {
    return noteError('invalid_key', 'key ID does not match the key name and public key');
  }
  return ok({ name, keyId, type, publicKey });
}

/** An Ed25519 public key object from its 32 raw bytes (RFC 8032). */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** The private Ed25519 key, from a KeyObject or a private JWK; anything else is refused. */
export function ed25519PrivateKey(key: KeyObject | JsonWebKey): KeyObject {
  const object = key instanceof KeyObject ? key : createPrivateKey({ key, format: 'jwk' });
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('an Ed25519 private key is required');
  }
  return object;
}

/** The raw 32-byte public key of an Ed25519 key (private or public). */
export function ed25519RawPublicKey(key: KeyObject): Uint8Array {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

export interface Ed25519NoteSigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** The verifier key string to publish (type 0x01). */
  readonly verifierKey: string;
}

/** A signed-note signer with an Ed25519 key (type 0x01: signs the note text itself). */
export function ed25519NoteSigner(name: string, privateKey: KeyObject | JsonWebKey): Ed25519NoteSigner {
  if (!isValidKeyName(name)) throw new TypeError('invalid key name');
  const key = ed25519PrivateKey(privateKey);
  const publicKey = ed25519RawPublicKey(key);
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.ed25519, publicKey),
    publicKey,
    verifierKey: formatVerifierKey(name, SIGNATURE_TYPE.ed25519, publicKey),
    sign: (text) => new Uint8Array(sign(null, text, key)),
  };
}

/** A verifier for an Ed25519 (type 0x01) verifier key. */
export function ed25519NoteVerifier(vkey: string): Result<NoteVerifier, NoteError> {
  const parsed = parseVerifierKey(vkey);
  if (!parsed.ok) return parsed;
  const { name, keyId, type, publicKey } = parsed.value;
  if (type !== SIGNATURE_TYPE.ed25519)
    return noteError('invalid_key', 'not an Ed25519 (type 0x01) verifier key');
  if (publicKey.length !== 32) return noteError('invalid_key', 'an Ed25519 public key is 32 bytes');
  const key = ed25519PublicKey(publicKey);
  return ok({
    name,
    keyId,
    type,
    verify: (text, signature) => signature.length === 64 && verify(null, text, key, signature),
  });
}

/** Whether `text` can be the text of a note: non-empty, newline-terminated, UTF-8, no control characters. */
function checkText(text: string): string | undefined {
  if (typeof text !== 'string' || !text.endsWith('\n')) return 'note text must end with a newline';
  if (!text.isWellFormed()) return 'note text must be valid UTF-8';
  if (hasControlCharacter(text)) return 'note text must not contain control characters other than newline';
  return undefined;
}

function signatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const bytes = new Uint8Array(4 + signature.length);
  new DataView(bytes.buffer).setUint32(0, keyId >>> 0);
  bytes.set(signature, 4);
  return `— ${name} ${encodeBase64(bytes)}\n`;
}

/**
 * Sign a note text with each signer. The result is the text, a blank line and one signature line per
 * signer, then `extraLines` (signature lines kept from elsewhere, such as cosignatures), each ending
 * with a newline.
 */
export function signNote(
  text: string,
  signers: readonly NoteSigner[],
  extraLines: readonly string[] = [],
): string {
  const problem = checkText(text);
  if (problem) throw new TypeError(problem);
  if (signers.length + extraLines.length === 0) throw new TypeError('a note needs at least one signature');
  const message = utf8Bytes(text);
  let lines = '';
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new TypeError('invalid signer key name');
    lines += signatureLine(s.name, s.keyId, s.sign(message));
  }
  for (const line of extraLines) {
    if (parseSignatureLine(line.endsWith('\n') ? line.slice(0, -1) : line) === undefined) {
      throw new TypeError('malformed signature line');
    }
    lines += line.endsWith('\n') ? line : `${line}\n`;
  }
  return `${text}\n${lines}`;
}

/** `— <name> <base64>` without its newline, or undefined when ill-formed. */
export function parseSignatureLine(line: string): NoteSignature | undefined {
  if (!line.startsWith('— ')) return undefined;
  const rest = line.slice(2);
  const space = rest.indexOf(' ');
  if (space < 0) return undefined;
  const name = rest.slice(0, space);
  const base64 = rest.slice(space + 1);
  if (!isValidKeyName(name)) return undefined;
  const bytes = decodeBase64(base64);
  if (!bytes || bytes.length < 5) return undefined;
  const keyId = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  return { name, keyId, base64, signature: bytes.subarray(4) };
}

/**
 * Open a note: split text from signatures, verify every signature from a known key (name and key ID
 * both match), ignore the others. Fails when the note is ill-formed, when a known key's signature does
 * not verify (the specification's SHOULD, taken as MUST), or when no known key signed it.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): Result<OpenedNote, NoteError> {
  if (typeof note !== 'string') return noteError('malformed_note', 'a note is text');
  if (note.length > MAX_NOTE_BYTES) return noteError('malformed_note', 'note too large');
  if (!note.isWellFormed()) return noteError('malformed_note', 'note is not valid UTF-8');
  if (hasControlCharacter(note)) {
    return noteError('malformed_note', 'note contains control characters other than newline');
  }
  // The text is separated from the signatures by the last empty line of the note.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return noteError('malformed_note', 'no blank line between text and signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    return noteError(
      'malformed_note',
      'signature lines must follow the blank line, each ending with a newline',
    );
  }
  const byKey = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const k = `${v.name}\n${v.keyId}`;
    byKey.set(k, [...(byKey.get(k) ?? []), v]);
  }
  const message = utf8Bytes(text);
  const verified: (NoteSignature & { verifier: NoteVerifier })[] = [];
  const unknown: NoteSignature[] = [];
  const seen = new Set<string>();
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES)
    return noteError('malformed_note', `more than ${MAX_SIGNATURES} signatures`);
  for (const line of lines) {
    const sig = parseSignatureLine(line);
    if (!sig) return noteError('malformed_note', 'ill-formed signature line');
    const known = byKey.get(`${sig.name}\n${sig.keyId}`);
    if (!known) {
      if (!seen.has(line)) unknown.push(sig);
      seen.add(line);
      continue;
    }
    if (known.length > 1)
      return noteError('ambiguous_key', `more than one known key is ${sig.name}+${hex8(sig.keyId)}`);
    const verifier = known[0]!;
    if (!verifier.verify(message, sig.signature)) {
      return noteError('invalid_signature', `signature by ${sig.name}+${hex8(sig.keyId)} does not verify`);
    }
    if (!verified.some((v) => v.name === sig.name && v.keyId === sig.keyId))
      verified.push({ ...sig, verifier });
  }
  if (verified.length === 0) return noteError('no_known_signature', 'no signature from a known key');
  return ok({ text, verified, unknown });
}

/** The note with its signature lines split off, without verifying anything (for storage and display). */
export function splitNote(note: string): { text: string; lines: string[] } | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return undefined;
  const lines = note
    .slice(split + 2, -1)
    .split('\n')
    .map((l) => `${l}\n`);
  return { text: note.slice(0, split + 1), lines };
}
