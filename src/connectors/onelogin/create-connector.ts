import { GovbridgeError } from '../../kernel/index.ts';
import type { SchemeConnector } from '../types.ts';
import { buildAuthorizationRequest } from './build-authorization-request.ts';
import { completeLogin } from './complete-login.ts';
import { createRuntime, type OneLoginConnectorOptions } from './runtime.ts';

/**
 * The hub's GOV.UK One Login client (docs.sign-in.service.gov.uk). Stateless between `begin` and
 * `complete`: the transaction carries state, nonce and PKCE verifier. Discovery, JWKS and the DID
 * document are cached in memory — caches only, refetched by any process that lacks them.
 */
export function createOneLoginConnector(options: OneLoginConnectorOptions): SchemeConnector {
  const rt = createRuntime(options);
  return {
    scheme: 'onelogin',
    begin: async (input) => {
      if (input.request.scheme !== 'onelogin') {
        throw new GovbridgeError('invalid_request', 'One Login connector: the request is for another scheme');
      }
      return buildAuthorizationRequest(rt, input, input.request);
    },
    complete: (params, transaction) => completeLogin(rt, params, transaction),
    publicJwks: () => ({ keys: [rt.publicJwk] }),
  };
}
