import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { randomId } from '../../kernel/index.ts';
import type { IssuedCode, SimulatorContext } from './context.ts';
import type { SimulatorClient } from './types.ts';

/** ID tokens live two minutes in GOV.UK One Login's example (`iat` 1704894406, `exp` 1704894526). */
const ID_TOKEN_TTL_SECONDS = 120;

/**
 * Builds the ID token ("Authenticate your user", "Understand your ID token"): `sub, aud, iss, exp,
 * iat, nonce, sid, auth_time, at_hash, vot` (credential trust only, e.g. `Cl.Cm`, even on a P2
 * request) and `vtm`. ES256 unless the client registered RS256. ID-token scenarios corrupt it here.
 */
export async function createIdToken(
  ctx: SimulatorContext,
  client: SimulatorClient,
  code: IssuedCode,
  sub: string,
  accessToken: string,
): Promise<string> {
  const now = ctx.clock.epochSeconds();
  const s = code.scenario;
  const key = client.idTokenSigningAlg === 'RS256' ? ctx.keys.idTokenRs256 : ctx.keys.idTokenEs256;
  const iat = s === 'expired_token' ? now - 3600 : now;
  const claims = {
    sub,
    aud: s === 'wrong_audience' ? `not-${client.clientId}` : client.clientId,
    iss: s === 'invalid_iss' ? 'https://not-the-issuer.example/' : ctx.urls.issuer,
    iat,
    exp: iat + ID_TOKEN_TTL_SECONDS,
    nonce: s === 'wrong_nonce' ? randomId(16) : code.request.nonce,
    sid: code.sid,
    auth_time: code.authTime,
    at_hash: atHash(accessToken),
    vot: s === 'incorrect_vot' ? (code.vot === 'Cl.Cm' ? 'Cl' : 'Cl.Cm') : code.vot,
    vtm: ctx.urls.trustmark,
  };
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
  return s === 'bad_signature' ? corruptSignature(jwt) : jwt;
}

/** OIDC Core §3.1.3.6: left-most half of the SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Replaces the signature with one of the same length that does not verify. */
export function corruptSignature(jwt: string): string {
  const [header, payload, signature = ''] = jwt.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  for (let i = 0; i < bytes.length; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}
