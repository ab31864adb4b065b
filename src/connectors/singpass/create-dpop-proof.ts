import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { randomId, sha256b64u } from '../../kernel/index.ts';
import type { ConnectorDeps } from './types.ts';

/**
 * DPoP (RFC 9449). A fresh ES256 key per login, kept in the transaction as a private JWK so that any
 * hub process can finish the login; proofs carry `htm`, `htu` (no query), `iat`, `jti`, and
 * `ath` = base64url(SHA-256(access token)) at userinfo (§4.2), and the server's nonce when it asked
 * for one (§8, §9).
 */
export async function createDpopKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  imported.set(jwk, Promise.resolve(privateKey));
  return jwk;
}

/**
 * Signing keys already imported, by the JWK object they came from: a login signs up to three
 * proofs with one key (PAR in one request, token and userinfo in the next), and an import costs
 * about as much as the signature.
 */
const imported = new WeakMap<JWK, Promise<CryptoKey | Uint8Array>>();

function signingKey(privateJwk: JWK): Promise<CryptoKey | Uint8Array> {
  let key = imported.get(privateJwk);
  if (key === undefined) {
    key = importJWK(privateJwk, 'ES256');
    imported.set(privateJwk, key);
  }
  return key;
}

export async function createDpopProof(
  deps: ConnectorDeps,
  privateJwk: JWK,
  proof: { htm: string; htu: string; accessToken?: string | undefined; nonce?: string | undefined },
): Promise<string> {
  const { kty, crv, x, y } = privateJwk;
  return new SignJWT({
    htm: proof.htm,
    htu: proof.htu,
    ...(proof.accessToken === undefined ? {} : { ath: sha256b64u(proof.accessToken) }),
    ...(proof.nonce === undefined ? {} : { nonce: proof.nonce }),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: kty!, crv: crv!, x: x!, y: y! } })
    .setIssuedAt(deps.clock.epochSeconds())
    .setJti(randomId(24))
    .sign(await signingKey(privateJwk));
}

/**
 * Sends a DPoP request; when the server answers `use_dpop_nonce` with a `DPoP-Nonce` header
 * (400 at the authorization server, 401 + WWW-Authenticate at a resource), sends it once more with
 * that nonce in a new proof.
 */
export async function withDpopNonce<T extends { response: Response; body: string }>(
  send: (nonce: string | undefined) => Promise<T>,
): Promise<T> {
  const first = await send(undefined);
  const nonce = first.response.headers.get('dpop-nonce');
  if (nonce === null) return first;
  const asked =
    (first.response.status === 400 && /"use_dpop_nonce"/.test(first.body)) ||
    (first.response.status === 401 &&
      /use_dpop_nonce/.test(first.response.headers.get('www-authenticate') ?? ''));
  return asked ? send(nonce) : first;
}
