import type { JWK } from 'jose';
import { redactUpstreamText } from '../../kernel/index.ts';
import type { MyinfoAttribute } from '../../trust/index.ts';
import { createDpopProof, withDpopNonce } from './create-dpop-proof.ts';
import { invalidResponse, safeErrorCode } from './fail.ts';
import { fetchUpstream, parseJsonObject } from './fetch-upstream.ts';
import type { LocalKeys } from './local-keys.ts';
import { openSealedJwt } from './open-sealed-jwt.ts';
import type { ProviderKeys } from './provider-keys.ts';
import type { ConnectorDeps, ProviderMetadata } from './types.ts';

/**
 * Userinfo (OIDC Core §5.3; Singpass Myinfo): a JWS in a JWE, opened like the ID token. Its `sub`
 * must equal the ID token's (OIDC Core §5.3.2); `iss` and `aud`, when present, must be Singpass and
 * us. FAPI puts the attributes under `person_info`; the legacy profile beside `sub` at the top level.
 * FAPI calls carry the access token as `DPoP` with a proof holding `ath` (RFC 9449 §7).
 */
const JWT_CLAIMS = new Set(['iss', 'sub', 'aud', 'iat', 'exp', 'nbf', 'jti']);

export async function fetchUserinfo(
  deps: ConnectorDeps,
  metadata: ProviderMetadata,
  local: LocalKeys,
  providerKeys: ProviderKeys,
  input: { accessToken: string; dpopKey: JWK | undefined; sub: string },
): Promise<Record<string, MyinfoAttribute>> {
  const endpoint = metadata.userinfo_endpoint!;
  const { response, body } = await withDpopNonce(async (nonce) => {
    const headers: Record<string, string> = { accept: 'application/jwt' };
    if (input.dpopKey === undefined) {
      headers.authorization = `Bearer ${input.accessToken}`;
    } else {
      headers.authorization = `DPoP ${input.accessToken}`;
      headers.dpop = await createDpopProof(deps, input.dpopKey, {
        htm: 'GET',
        htu: endpoint,
        accessToken: input.accessToken,
        nonce,
      });
    }
    return fetchUpstream(deps, 'userinfo', endpoint, { headers });
  });
  if (response.status !== 200) {
    throw invalidResponse('userinfo', `the userinfo request was refused (HTTP ${response.status}).`, {
      status: response.status,
      error: safeErrorCode(parseJsonObject(body)?.error),
      description: redactUpstreamText(parseJsonObject(body)?.error_description),
    });
  }
  const claims = await openSealedJwt(body.trim(), 'userinfo', local, providerKeys);
  if (claims.sub !== input.sub)
    throw invalidResponse('userinfo_sub', 'the userinfo sub differs from the ID token sub.');
  if (claims.iss !== undefined && claims.iss !== metadata.issuer) {
    throw invalidResponse('userinfo_iss', 'the userinfo iss is not the configured issuer.');
  }
  const aud = claims.aud === undefined ? undefined : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud !== undefined && !aud.includes(deps.options.clientId)) {
    throw invalidResponse('userinfo_aud', 'the userinfo was issued for another client (aud).');
  }

  const source =
    deps.options.profile === 'fapi'
      ? claims.person_info
      : Object.fromEntries(Object.entries(claims).filter(([k]) => !JWT_CLAIMS.has(k)));
  if (source === undefined && deps.options.profile === 'fapi') return {};
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw invalidResponse('userinfo_claims', 'the userinfo person data is not an object.');
  }
  const person: Record<string, MyinfoAttribute> = {};
  for (const [name, attribute] of Object.entries(source)) {
    if (typeof attribute !== 'object' || attribute === null || Array.isArray(attribute)) {
      throw invalidResponse('userinfo_claims', `the Myinfo attribute "${name}" is not an object.`);
    }
    person[name] = attribute as MyinfoAttribute;
  }
  return person;
}
