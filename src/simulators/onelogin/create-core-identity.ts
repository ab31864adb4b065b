import { SignJWT } from 'jose';
import { randomId } from '../../kernel/index.ts';
import type { IssuedCode, SimulatorContext } from './context.ts';
import { corruptSignature } from './create-id-token.ts';
import type { LevelOfConfidence, Persona } from './types.ts';

/** "Understand your user's core identity claim": valid for 30 minutes (nbf/iat → exp). */
const CORE_IDENTITY_TTL_SECONDS = 1800;

/**
 * The `https://vocab.account.gov.uk/v1/coreIdentityJWT` claim ("Prove your user's identity"): an
 * ES256 JWT signed by the identity issuer's key (published only in the DID document), header `kid`
 * = `<did>#<key id>`; claims `sub` (the ID token's), `iss` (`…/identity/`), `aud` (client_id),
 * `nbf`, `iat`, `exp`, `vot` (the level reached, e.g. `P2`), `vtm`, and `vc` with `name` and
 * `birthDate`. Core-identity scenarios corrupt it here (`core_identity_lower_vot`: `vot` one level
 * below the one reached, still validly signed).
 */
export async function createCoreIdentity(
  ctx: SimulatorContext,
  code: IssuedCode,
  persona: Persona,
  sub: string,
): Promise<string> {
  const s = code.scenario;
  const now = ctx.clock.epochSeconds();
  const issuedAt = s === 'core_identity_expired' ? now - CORE_IDENTITY_TTL_SECONDS - 600 : now;
  const key = ctx.keys.identity;
  const jwt = await new SignJWT({
    sub: s === 'core_identity_incorrect_sub' ? `urn:fdc:gov.uk:2022:${randomId()}` : sub,
    iss: ctx.urls.identityIssuer,
    aud: code.request.clientId,
    nbf: issuedAt,
    iat: issuedAt,
    exp: issuedAt + CORE_IDENTITY_TTL_SECONDS,
    vot: s === 'core_identity_lower_vot' ? lowerLevel(code.identity) : (code.identity ?? 'P0'),
    vtm: ctx.urls.trustmark,
    vc: {
      type: ['VerifiableCredential', 'VerifiableIdentityCredential'],
      credentialSubject: { name: persona.name, birthDate: persona.birthDate },
    },
  })
    .setProtectedHeader({ alg: 'ES256', kid: `${ctx.urls.did}#${key.kid}`, typ: 'JWT' })
    .sign(key.privateKey);
  return s === 'core_identity_bad_signature' ? corruptSignature(jwt) : jwt;
}

/** Scenario `core_identity_lower_vot`: a validly signed JWT whose `vot` is one level below the one reached. */
function lowerLevel(level: LevelOfConfidence | null): LevelOfConfidence {
  return level === 'P2' ? 'P1' : 'P0';
}
