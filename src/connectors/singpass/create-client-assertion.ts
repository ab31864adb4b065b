import { SignJWT } from 'jose';
import { randomId } from '../../kernel/index.ts';
import type { LocalKeys } from './local-keys.ts';
import type { ConnectorDeps } from './types.ts';

/**
 * `private_key_jwt` client assertion (RFC 7523 §2.2, §3; Singpass "Client Assertion JWT"):
 * header `alg: ES256`, `typ: JWT`, `kid`; claims `iss` = `sub` = client id, `aud` = the issuer from
 * discovery, `iat`, a fresh `jti`, and `exp` one minute after `iat` (Singpass refuses more than two).
 */
export async function createClientAssertion(
  deps: ConnectorDeps,
  keys: LocalKeys,
  issuer: string,
): Promise<string> {
  const now = deps.clock.epochSeconds();
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.signingKid })
    .setIssuer(deps.options.clientId)
    .setSubject(deps.options.clientId)
    .setAudience(issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .setJti(randomId(24))
    .sign(await keys.signingKey());
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
