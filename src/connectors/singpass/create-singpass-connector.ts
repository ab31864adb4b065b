import { GovbridgeError, randomId, sha256b64u, systemClock } from '../../kernel/index.ts';
import type { SingpassAssertion, SingpassAuthRequest } from '../../trust/index.ts';
import type { ConnectorBeginInput, ConnectorTransaction, SchemeConnector } from '../types.ts';
import { checkCallback } from './check-callback.ts';
import { createDpopKey } from './create-dpop-proof.ts';
import { exchangeCode } from './exchange-code.ts';
import { fetchUserinfo } from './fetch-userinfo.ts';
import { createDiscovery } from './load-discovery.ts';
import { createLocalKeys } from './local-keys.ts';
import { createProviderKeys } from './provider-keys.ts';
import { pushAuthorizationRequest } from './push-authorization-request.ts';
import type { ConnectorDeps, ProviderMetadata, SingpassConnectorOptions } from './types.ts';
import { verifyIdToken } from './verify-id-token.ts';

/**
 * The hub's Singpass client: authorization code flow with PKCE S256 and `private_key_jwt`; under
 * the FAPI 2.0 profile also PAR and DPoP. Stateless: everything between `begin` and `complete`
 * travels in the transaction.
 */
export function createSingpassConnector(options: SingpassConnectorOptions): SchemeConnector {
  const deps: ConnectorDeps = { options, clock: options.clock ?? systemClock, fetch: options.fetch ?? fetch };
  const local = createLocalKeys(options.keys.signing, options.keys.encryption);
  const metadata = createDiscovery(deps);
  const providerKeys = createProviderKeys(deps, metadata);

  return {
    scheme: 'singpass',
    publicJwks: () => local.publicJwks(),

    async begin(input: ConnectorBeginInput) {
      const request = singpassRequest(input.request);
      const meta = await metadata();
      const state = randomId(32);
      const nonce = randomId(32);
      const codeVerifier = randomId(48);
      const { scopes, unsupportedScopes } = scopesToAsk(request.scopes, options.profile, meta);
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        redirect_uri: input.redirectUri,
        scope: scopes.join(' '),
        state,
        nonce,
        code_challenge: sha256b64u(codeVerifier),
        code_challenge_method: 'S256',
      });
      if (request.acrValues.length > 0) params.set('acr_values', request.acrValues.join(' '));
      if (input.loginHint !== undefined) params.set('login_hint', input.loginHint);
      // No ui_locales: Singpass documents no such parameter for its authorization request (PAR or
      // redirect), and its login page is in English; docs/connectors/singpass.md.

      const authorizationUrl = new URL(meta.authorization_endpoint);
      let dpopKey: ConnectorTransaction['dpopKey'];
      if (options.profile === 'fapi') {
        dpopKey = await createDpopKey();
        const requestUri = await pushAuthorizationRequest(deps, meta, local, dpopKey, params);
        // RFC 9126 §4: the browser carries only client_id and request_uri.
        authorizationUrl.searchParams.set('client_id', options.clientId);
        authorizationUrl.searchParams.set('request_uri', requestUri);
      } else {
        for (const [k, v] of params) authorizationUrl.searchParams.set(k, v);
      }
      return {
        authorizationUrl: authorizationUrl.toString(),
        transaction: {
          scheme: 'singpass',
          state,
          nonce,
          codeVerifier,
          redirectUri: input.redirectUri,
          request,
          dpopKey,
          unsupportedScopes: [...unsupportedScopes],
          createdAt: deps.clock.epochSeconds(),
        },
        unsupportedScopes,
      };
    },

    async complete(params, transaction): Promise<SingpassAssertion> {
      const request = singpassRequest(transaction.request);
      const meta = await metadata();
      const code = checkCallback(params, transaction.state, meta);
      if (options.profile === 'fapi' && transaction.dpopKey === undefined) {
        throw new GovbridgeError('invalid_request', 'Singpass FAPI transaction has no DPoP key.', {
          detail: { scheme: 'singpass', check: 'transaction' },
        });
      }
      const dpopKey = options.profile === 'fapi' ? transaction.dpopKey : undefined;
      const tokens = await exchangeCode(deps, meta, local, {
        code,
        redirectUri: transaction.redirectUri,
        codeVerifier: transaction.codeVerifier,
        dpopKey,
      });
      const idToken = await verifyIdToken(
        deps,
        tokens.id_token,
        { issuer: meta.issuer, nonce: transaction.nonce },
        local,
        providerKeys,
      );
      // Userinfo only for scopes actually sent: one dropped as unsupported was never granted.
      const notSent = transaction.unsupportedScopes ?? [];
      const wantsUserinfo = request.scopes.some(
        (s) => s !== 'openid' && s !== 'user.identity' && !notSent.includes(s),
      );
      const person =
        wantsUserinfo && meta.userinfo_endpoint !== undefined
          ? await fetchUserinfo(deps, meta, local, providerKeys, {
              accessToken: tokens.access_token,
              dpopKey,
              sub: idToken.sub,
            })
          : {};
      const base = {
        scheme: 'singpass' as const,
        profile: options.profile,
        acr: idToken.acr,
        amr: idToken.amr,
        authTime: idToken.authTime,
        person,
      };
      const subject = idToken.legacy;
      if (subject !== undefined) {
        return {
          ...base,
          subject: subject.uuid,
          accountType: subject.foreignId === undefined ? 'standard' : 'foreign',
          identityNumber: subject.identityNumber,
          identityCoi: subject.coi,
        };
      }
      const attrs = idToken.claims.sub_attributes;
      const sa = typeof attrs === 'object' && attrs !== null ? (attrs as Record<string, unknown>) : {};
      const accountType =
        sa.account_type === 'standard' || sa.account_type === 'foreign' ? sa.account_type : undefined;
      const subAttributes = contactAttributes(sa);
      return {
        ...base,
        subject: idToken.sub,
        accountType,
        identityNumber: typeof sa.identity_number === 'string' ? sa.identity_number : undefined,
        identityCoi: typeof sa.identity_coi === 'string' ? sa.identity_coi : undefined,
        ...(subAttributes === undefined ? {} : { subAttributes }),
      };
    },
  };
}

/**
 * The scopes to send. `user.identity` is a FAPI-profile scope; under the legacy profile the same facts
 * (identity number, foreign account) travel in the `sub` itself (`s=…,fid=…,coi=…,u=…`), so it is left
 * out there and not reported as unsupported. When discovery publishes `scopes_supported` (OpenID
 * Connect Discovery 1.0 §3: RECOMMENDED), nothing outside it is asked: an authorization server may
 * refuse the whole request for one unknown scope (RFC 6749 §4.1.2.1 `invalid_scope`; MockPass's FAPI
 * mode does), and the attributes that need it could not come back anyway. `openid` is always sent.
 */
function scopesToAsk(
  requested: readonly string[],
  profile: 'fapi' | 'legacy',
  meta: ProviderMetadata,
): { scopes: string[]; unsupportedScopes: readonly string[] } {
  const wanted = profile === 'legacy' ? requested.filter((s) => s !== 'user.identity') : [...requested];
  const supported = meta.scopes_supported;
  if (supported === undefined) return { scopes: wanted, unsupportedScopes: Object.freeze([]) };
  const scopes = wanted.filter((s) => s === 'openid' || supported.includes(s));
  const unsupportedScopes = Object.freeze(wanted.filter((s) => !scopes.includes(s)));
  return { scopes, unsupportedScopes };
}

/**
 * FAPI `sub_attributes` members a Login app receives for the `name`, `email` and `mobileno` scopes
 * ("4. Parsing the ID Token"): plain strings, kept as sent (trimmed); anything else is left out.
 */
const CONTACT_ATTRIBUTES = ['name', 'email', 'mobileno'] as const;
function contactAttributes(sa: Record<string, unknown>): SingpassAssertion['subAttributes'] {
  const out: Record<string, string> = {};
  for (const key of CONTACT_ATTRIBUTES) {
    const v = sa[key];
    if (typeof v === 'string' && v.trim() !== '') out[key] = v.trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function singpassRequest(request: ConnectorBeginInput['request']): SingpassAuthRequest {
  if (request.scheme !== 'singpass') {
    throw new GovbridgeError(
      'invalid_request',
      'The Singpass connector was given a request for another scheme.',
      {
        detail: { scheme: 'singpass', check: 'request' },
      },
    );
  }
  return request;
}
