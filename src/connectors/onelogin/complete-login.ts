import { GovbridgeError, redactUpstreamText } from '../../kernel/index.ts';
import type { OneLoginAssertion, OneLoginAuthRequest } from '../../trust/index.ts';
import type { ConnectorTransaction } from '../types.ts';
import { invalidResponse } from './connector-error.ts';
import { exchangeCode, oauthError } from './exchange-code.ts';
import { fetchUserinfo } from './fetch-userinfo.ts';
import { mapAssertion } from './map-assertion.ts';
import { credentialParts, requestedConfidence } from './parse-vtr.ts';
import type { ConnectorRuntime } from './runtime.ts';
import { type CoreIdentity, verifyCoreIdentity } from './verify-core-identity.ts';
import { verifyIdToken } from './verify-id-token.ts';

export const CORE_IDENTITY_CLAIM = 'https://vocab.account.gov.uk/v1/coreIdentityJWT';

/**
 * The callback: `state` first (it binds the answer to our request), then One Login's error if any
 * ("Error handling for 'Make a request to the /authorize endpoint'": `access_denied`,
 * `temporarily_unavailable`, …), then code → tokens → ID token → userinfo → core identity.
 */
export async function completeLogin(
  rt: ConnectorRuntime,
  params: URLSearchParams,
  tx: ConnectorTransaction,
): Promise<OneLoginAssertion> {
  const request = tx.request;
  if (request.scheme !== 'onelogin') {
    throw new GovbridgeError(
      'invalid_request',
      'One Login connector: the transaction belongs to another scheme',
    );
  }
  if (params.get('state') !== tx.state) {
    throw invalidResponse(
      'state',
      'the callback state does not match this login (replayed or forged callback)',
    );
  }
  const error = params.get('error');
  if (error !== null) throw callbackError(error, redactUpstreamText(params.get('error_description')));
  const code = params.get('code');
  if (!code) throw invalidResponse('code', 'the callback has neither code nor error');

  const tokens = await exchangeCode(rt, code, tx);
  const idToken = await verifyIdToken(rt, tokens.idToken, {
    nonce: tx.nonce,
    vots: credentialParts(request.vtr),
    accessToken: tokens.accessToken,
  });
  const userinfo = await fetchUserinfo(rt, tokens.accessToken, idToken.sub);
  const coreIdentity = await coreIdentityOf(rt, userinfo[CORE_IDENTITY_CLAIM], request, idToken.sub);
  return mapAssertion(idToken, userinfo, coreIdentity);
}

async function coreIdentityOf(
  rt: ConnectorRuntime,
  claim: unknown,
  request: OneLoginAuthRequest,
  sub: string,
): Promise<CoreIdentity | undefined> {
  // Absent claim = identity not proven ("If the coreIdentityJWT property is not present, then
  // GOV.UK One Login was not able to prove your user's identity"): not an error here; the trust
  // framework decides what an unproven identity means for the hub's request.
  if (claim === undefined) return undefined;
  if (typeof claim !== 'string')
    throw invalidResponse('core_identity_format', 'the core identity claim is not a JWT string');
  return verifyCoreIdentity(rt, claim, { sub, level: requestedConfidence(request.vtr) ?? 'P1' });
}

function callbackError(error: string, description: string | undefined): GovbridgeError {
  const safe = oauthError({ error });
  if (safe === 'access_denied') {
    return new GovbridgeError(
      'access_denied',
      'GOV.UK One Login: the person cancelled or could not be signed in',
      {
        detail: { scheme: 'onelogin', check: 'authorization_response', error: safe, description },
      },
    );
  }
  if (safe === 'temporarily_unavailable') {
    return new GovbridgeError('temporarily_unavailable', 'GOV.UK One Login is temporarily unavailable', {
      detail: { scheme: 'onelogin', check: 'authorization_response', error: safe, description },
    });
  }
  return invalidResponse('authorization_response', `the authorization request was refused (error ${safe})`, {
    error: safe,
    description,
  });
}
