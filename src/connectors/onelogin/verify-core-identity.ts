import { decodeProtectedHeader, type JWK, type JWTPayload, jwtVerify } from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import type { OneLoginAssertion } from '../../trust/index.ts';
import { findWithRefresh, importPublicKey } from '../http/index.ts';
import { invalidResponse } from './connector-error.ts';
import { confidenceRank } from './parse-vtr.ts';
import type { ConnectorRuntime } from './runtime.ts';
import { coreIdentityVcSchema, type DidDocument, parseWith } from './schemas.ts';
import { CLOCK_TOLERANCE_SECONDS, mapJoseError } from './verify-id-token.ts';

export type CoreIdentity = NonNullable<OneLoginAssertion['coreIdentity']>;

/**
 * Verifies the `https://vocab.account.gov.uk/v1/coreIdentityJWT` claim as "Prove your user's
 * identity" requires, against the PINNED DID document only — never a generic DID resolver ("you
 * must not use a third-party library's DID resolution"):
 * 1. header `alg` is ES256; `kid` is `<controller id>#<key id>`;
 * 2. the controller id equals the DID document's `id` (and its `controller`, when present);
 * 3. the key is the `assertionMethod` whose `id` equals the whole `kid` (and whose `controller`, when
 *    present, is the document's id); an unknown `kid` re-fetches the document once (rotation);
 * 4. the ES256 signature verifies with its `publicKeyJwk` (P-256);
 * 5. `iss` = the identity issuer, `aud` = our client id, `sub` = the ID token's `sub`, now within
 *    `nbf`…`exp` (± 30 s);
 * 6. `vot` is a level of confidence (else `upstream_invalid_response`) that reaches the requested one
 *    (e.g. P2): an authentic JWT with a lower `vot` is `unmet_authentication_requirements`; `vtm`
 *    present, `vc` has `name` and `birthDate`.
 */
export async function verifyCoreIdentity(
  rt: ConnectorRuntime,
  jwt: string,
  expected: { sub: string; level: string },
): Promise<CoreIdentity> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw invalidResponse('core_identity_format', 'the core identity JWT is not a compact JWS');
  }
  if (header.alg !== 'ES256')
    throw invalidResponse('core_identity_alg', 'the core identity JWT alg is not ES256');
  const kid = header.kid;
  const hash = typeof kid === 'string' ? kid.indexOf('#') : -1;
  if (typeof kid !== 'string' || hash <= 0 || hash === kid.length - 1) {
    throw invalidResponse('core_identity_kid', 'the core identity JWT kid is not of the form <did>#<key id>');
  }
  const controllerId = kid.slice(0, hash);

  const { found: method, value: doc } = await findWithRefresh(rt.did, (d) => findMethod(d, kid));
  checkController(doc, controllerId);
  if (!method) {
    throw invalidResponse(
      'did_key',
      'the core identity JWT kid is not an assertionMethod of the pinned DID document',
      {
        kid,
      },
    );
  }
  if (method.controller !== undefined && method.controller !== doc.id) {
    throw invalidResponse('did_controller', 'the DID assertionMethod belongs to another controller');
  }
  const jwk = method.publicKeyJwk as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.d !== undefined) {
    throw invalidResponse('did_key', 'the DID assertionMethod key is not a public P-256 key');
  }

  let payload: JWTPayload;
  try {
    const key = await importPublicKey(jwk, 'ES256');
    ({ payload } = await jwtVerify(jwt, key, {
      algorithms: ['ES256'],
      issuer: rt.identityIssuer,
      audience: rt.clientId,
      subject: expected.sub,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: rt.clock.now(),
      requiredClaims: ['sub', 'exp', 'vot', 'vc'],
    }));
  } catch (err) {
    throw mapJoseError(err, 'core_identity');
  }
  if (typeof payload.vot !== 'string' || confidenceRank(payload.vot) < 0) {
    throw invalidResponse('core_identity_vot', 'the core identity vot is not a level of confidence');
  }
  // Authentic (signature, issuer, audience, subject and time checked above) but below what was asked:
  // not a forged answer, an unmet requirement (OIDC Core §3.1.2.6), as the Singpass connector's acr.
  if (confidenceRank(payload.vot) < confidenceRank(expected.level)) {
    throw new GovbridgeError(
      'unmet_authentication_requirements',
      `GOV.UK One Login: the identity was proven to a lower level of confidence (vot) than the ${expected.level} requested.`,
      {
        detail: {
          scheme: 'onelogin',
          check: 'core_identity_vot',
          requested: expected.level,
          received: payload.vot,
        },
      },
    );
  }
  if (typeof payload.vtm !== 'string' || payload.vtm === '') {
    throw invalidResponse('core_identity_vtm', 'the core identity JWT has no vtm');
  }
  const vc = parseWith(coreIdentityVcSchema, payload.vc, 'core_identity_vc', 'The core identity credential');
  return {
    vot: payload.vot,
    vtm: payload.vtm,
    name: vc.credentialSubject.name,
    birthDate: vc.credentialSubject.birthDate,
  };
}

function findMethod(doc: DidDocument, kid: string): DidDocument['assertionMethod'][number] | undefined {
  return doc.assertionMethod.find((m) => m.id === kid);
}

function checkController(doc: DidDocument, controllerId: string): void {
  if (doc.id !== controllerId) {
    throw invalidResponse(
      'did_id',
      'the core identity JWT kid names a controller that is not the pinned DID document id',
    );
  }
  const controllers = doc.controller === undefined ? [] : [doc.controller].flat();
  if (controllers.length > 0 && !controllers.includes(doc.id)) {
    throw invalidResponse('did_controller', 'the pinned DID document controller is not its id');
  }
}
