import { importJWK, type JWK } from 'jose';
import { type Clock, GovbridgeError, systemClock } from '../../kernel/index.ts';
import { CachedDocument, type CachePolicy } from '../http/index.ts';
import { invalidResponse } from './connector-error.ts';
import { type HttpClient, oneLoginUpstream } from './http-client.ts';
import {
  type DidDocument,
  type Discovery,
  didDocumentSchema,
  discoverySchema,
  type Jwks,
  jwksSchema,
  parseWith,
} from './schemas.ts';

export interface OneLoginConnectorOptions {
  /** One Login's issuer, exactly as its discovery document says, e.g. `https://oidc.integration.account.gov.uk/`. */
  readonly issuer: string;
  /** The client id GOV.UK One Login issued at registration. */
  readonly clientId: string;
  readonly keys: {
    /** Our private RSA key (RS256, with `kid`) for request objects and private_key_jwt. */
    readonly signing: JWK;
  };
  /** The pinned DID document URL, e.g. `https://identity.integration.account.gov.uk/.well-known/did.json`. */
  readonly didUrl: string;
  /** Expected `iss` of the coreIdentityJWT, ending with `/`, e.g. `https://identity.integration.account.gov.uk/`. */
  readonly identityIssuer: string;
  /** Per HTTP call to One Login. */
  readonly timeoutMs: number;
  /**
   * How the request object carries `claims`: `object` (default; the form GOV.UK One Login's
   * "Authenticate your user" documents, and which it accepts) or `string`, a JSON string of the
   * same object, which GOV.UK One Login also accepts and the public simulator
   * (github.com/govuk-one-login/simulator) requires: it answers HTTP 500 to an object.
   */
  readonly requestObjectClaims?: 'object' | 'string';
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  /** Sent on every call ("Set the User-Agent header"); default `govbridge-onelogin-connector/0.1.0`. */
  readonly userAgent?: string;
}

/** Everything the connector's steps share: settings, HTTP, caches and our imported key. */
export interface ConnectorRuntime {
  readonly clientId: string;
  readonly issuer: string;
  readonly identityIssuer: string;
  readonly requestObjectClaims: 'object' | 'string';
  readonly signingKid: string;
  readonly publicJwk: JWK;
  readonly clock: Clock;
  readonly http: HttpClient;
  /** The JWKS, from the discovery document's `jwks_uri`. */
  readonly jwks: CachedDocument<Jwks>;
  readonly did: CachedDocument<DidDocument>;
  discovery(): Promise<Discovery>;
  signingKey(): Promise<CryptoKey>;
}

const HOUR = 3600;
/**
 * Following the docs ("Cache the discovery document", "Caching the JWKS document", "Cache the DID
 * document"): per `Cache-Control`, and when a refresh fails the cached copy stays trusted until a
 * refresh succeeds.
 */
const POLICY: CachePolicy = {
  defaultTtlSeconds: HOUR,
  minTtlSeconds: 60,
  minRefreshIntervalSeconds: 30,
  staleOnError: true,
};

export function createRuntime(options: OneLoginConnectorOptions): ConnectorRuntime {
  const signing = options.keys.signing;
  if (
    signing.kty !== 'RSA' ||
    typeof signing.d !== 'string' ||
    typeof signing.kid !== 'string' ||
    signing.kid === ''
  ) {
    throw new GovbridgeError(
      'config_invalid',
      'One Login connector: keys.signing must be a private RSA JWK with a kid',
      {
        detail: { scheme: 'onelogin', check: 'signing_key' },
      },
    );
  }
  if (!options.identityIssuer.endsWith('/')) {
    throw new GovbridgeError('config_invalid', 'One Login connector: identityIssuer must end with "/"', {
      detail: { scheme: 'onelogin', check: 'identity_issuer' },
    });
  }
  if (
    options.requestObjectClaims !== undefined &&
    !['object', 'string'].includes(options.requestObjectClaims)
  ) {
    throw new GovbridgeError(
      'config_invalid',
      'One Login connector: requestObjectClaims must be "object" or "string"',
      { detail: { scheme: 'onelogin', check: 'request_object_claims' } },
    );
  }
  const clock = options.clock ?? systemClock;
  const http: HttpClient = {
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs,
    userAgent: options.userAgent ?? 'govbridge-onelogin-connector/0.1.0',
  };
  const discoveryUrl = `${options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const upstream = oneLoginUpstream(http);
  // "You should cache the discovery document"; at least an hour whatever the header says.
  const discoveryDoc = new CachedDocument<Discovery>({
    upstream,
    url: discoveryUrl,
    check: 'discovery',
    clock,
    policy: { ...POLICY, minTtlSeconds: HOUR, minRefreshIntervalSeconds: 60 },
    parse: (body) => {
      const doc = parseWith(discoverySchema, body, 'discovery', 'The discovery document');
      if (doc.issuer !== options.issuer) {
        throw invalidResponse(
          'discovery_issuer',
          'the discovery document names a different issuer than configured',
          {
            expected: options.issuer,
          },
        );
      }
      return doc;
    },
  });
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...publicPart } = signing;
  let keyPromise: Promise<CryptoKey> | undefined;

  const rt: ConnectorRuntime = {
    clientId: options.clientId,
    issuer: options.issuer,
    identityIssuer: options.identityIssuer,
    requestObjectClaims: options.requestObjectClaims ?? 'object',
    signingKid: signing.kid,
    publicJwk: { ...publicPart, alg: 'RS256', use: 'sig' },
    clock,
    http,
    discovery: () => discoveryDoc.get(),
    jwks: new CachedDocument<Jwks>({
      upstream,
      url: async () => (await discoveryDoc.get()).jwks_uri,
      check: 'jwks',
      clock,
      policy: POLICY,
      parse: (body) => parseWith(jwksSchema, body, 'jwks', 'The JWKS document'),
    }),
    did: new CachedDocument<DidDocument>({
      upstream,
      url: options.didUrl,
      check: 'did_document',
      clock,
      policy: POLICY,
      parse: (body) => parseWith(didDocumentSchema, body, 'did_document', 'The DID document'),
    }),
    signingKey: () => {
      keyPromise ??= importJWK(signing, 'RS256').then((k) => {
        if (k instanceof Uint8Array) throw new Error('unreachable: RSA keys import as CryptoKey');
        return k;
      });
      return keyPromise;
    },
  };
  return rt;
}
