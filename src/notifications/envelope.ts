import {
  createCipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import type { JWK } from 'jose';

/**
 * The wire format of a notification (docs/receiving-notifications.md):
 * - body: a CloudEvents 1.0 event in structured JSON mode; personal data travels in `data` as a
 *   compact JWE (ECDH-ES+A256KW / A256GCM) encrypted to the agency's key;
 * - `Govbridge-Signature`: a detached JWS (ES256, RFC 7515 Appendix F) over the exact body bytes, by
 *   the hub's notification key published at `<hub>/notifications/jwks.json`;
 * - `Idempotency-Key`: the event id, the same on every attempt, so a receiver drops duplicates.
 * Algorithms are pinned here and nowhere else.
 *
 * Built with node:crypto rather than jose: this runs once per delivery, and jose's WebCrypto path
 * (async subtle calls, an ephemeral key exported through WebCrypto for every JWE) cost about twice
 * the CPU of the same operations on KeyObjects (docs/benchmarks.md, "Tell Us Once delivery").
 * Receivers decrypt and verify with any JOSE library; the tests do so with jose.
 */
export const SIGNING_ALG = 'ES256';
export const KEY_WRAP_ALG = 'ECDH-ES+A256KW';
export const CONTENT_ENC = 'A256GCM';
export const SIGNATURE_TYP = 'govbridge-notification+jws';
export const EVENT_TYPE_PREFIX = 'uk.gov.govbridge.';

export interface EnvelopeInput {
  id: string;
  eventType: string;
  reportId: string;
  occurredOn: string;
  recipient: string;
  time: Date;
  attributes: Readonly<Record<string, unknown>>;
}

export interface Envelope {
  body: string;
  headers: Record<string, string>;
}

/**
 * Imports keys once per kid: the hub's ES256 signing key (private JWK) and agencies' P-256 public
 * keys, as KeyObjects. An agency key that is not a P-256 public key is refused here.
 */
export class EnvelopeKeys {
  readonly #cache = new Map<string, KeyObject>();

  get(jwk: JWK & { kid?: string }, alg: string): KeyObject {
    const id = `${alg}:${jwk.kid}:${jwk.x}:${jwk.y}`;
    let key = this.#cache.get(id);
    if (!key) {
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new TypeError('expected an EC P-256 key');
      const { kty, crv, x, y, d } = jwk;
      key =
        alg === SIGNING_ALG
          ? createPrivateKey({ key: { kty, crv, x, y, d } as never, format: 'jwk' })
          : createPublicKey({ key: { kty, crv, x, y } as never, format: 'jwk' });
      if (this.#cache.size > 1000) this.#cache.clear();
      this.#cache.set(id, key);
    }
    return key;
  }
}

const b64u = (b: Uint8Array | string): string =>
  (typeof b === 'string'
    ? Buffer.from(b, 'utf8')
    : Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  ).toString('base64url');

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** RFC 7518 §4.6.2 Concat KDF OtherInfo for ECDH-ES+A256KW: AlgorithmID = "alg", no apu/apv, 256 bits. */
const KDF_OTHER_INFO = Buffer.concat([
  uint32be(KEY_WRAP_ALG.length),
  Buffer.from(KEY_WRAP_ALG, 'ascii'),
  uint32be(0),
  uint32be(0),
  uint32be(256),
]);
/** RFC 3394 default initial value. */
const AES_KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

/**
 * Compact JWE, ECDH-ES+A256KW / A256GCM (RFC 7516, RFC 7518 §4.6 and §5.3): a fresh ephemeral P-256
 * key per message; Z → Concat KDF (SHA-256, one round) → a 256-bit key-wrapping key; a random
 * content key wrapped with AES key wrap; AES-256-GCM over the plaintext with the protected header as
 * additional data.
 */
function encryptJwe(plaintext: string, agencyKey: KeyObject, kid: string): string {
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const epk = ephemeral.publicKey.export({ format: 'jwk' });
  const z = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: agencyKey });
  const kek = createHash('sha256').update(uint32be(1)).update(z).update(KDF_OTHER_INFO).digest();
  const cek = randomBytes(32);
  const wrap = createCipheriv('id-aes256-wrap', kek, AES_KW_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const header = b64u(
    JSON.stringify({
      alg: KEY_WRAP_ALG,
      enc: CONTENT_ENC,
      kid,
      cty: 'application/json',
      epk: { kty: 'EC', crv: 'P-256', x: epk.x, y: epk.y },
    }),
  );
  const iv = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', cek, iv);
  gcm.setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([gcm.update(plaintext, 'utf8'), gcm.final()]);
  return `${header}.${b64u(encryptedKey)}.${b64u(iv)}.${b64u(ciphertext)}.${b64u(gcm.getAuthTag())}`;
}

export async function buildEnvelope(
  input: EnvelopeInput,
  options: {
    source: string;
    signingJwk: JWK & { kid: string };
    agencyJwk: JWK & { kid: string };
    keys: EnvelopeKeys;
  },
): Promise<Envelope> {
  const plaintext = JSON.stringify({
    eventType: input.eventType,
    reportId: input.reportId,
    occurredOn: input.occurredOn,
    attributes: input.attributes,
  });
  const personal = Object.keys(input.attributes).length > 0;
  const data = personal
    ? encryptJwe(plaintext, options.keys.get(options.agencyJwk, KEY_WRAP_ALG), options.agencyJwk.kid)
    : JSON.parse(plaintext);
  const event = {
    specversion: '1.0',
    id: input.id,
    source: options.source,
    type: `${EVENT_TYPE_PREFIX}${input.eventType}.v1`,
    subject: input.reportId,
    time: input.time.toISOString(),
    govbridgerecipient: input.recipient,
    datacontenttype: personal ? 'application/jose' : 'application/json',
    data,
  };
  const body = JSON.stringify(event);
  // Detached JWS (RFC 7515 Appendix F): the signing input is the protected header and the body's
  // bytes; the header carries `<protected>..<signature>`. ES256 signatures are r‖s (IEEE P1363).
  const protectedHeader = b64u(
    JSON.stringify({ alg: SIGNING_ALG, kid: options.signingJwk.kid, typ: SIGNATURE_TYP }),
  );
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${b64u(body)}`, 'ascii'), {
    key: options.keys.get(options.signingJwk, SIGNING_ALG),
    dsaEncoding: 'ieee-p1363',
  });
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'idempotency-key': `"${input.id}"`,
      'govbridge-signature': `${protectedHeader}..${b64u(signature)}`,
    },
  };
}
