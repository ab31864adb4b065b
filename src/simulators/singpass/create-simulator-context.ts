import { type Clock, randomId, systemClock } from '../../kernel/index.ts';
import { createExpiringStore, type ExpiringStore } from './expiring-store.ts';
import { type ClientKeyResolver, createClientKeyResolver } from './resolve-client-keys.ts';
import { createSimulatorKeys, type SimulatorKeys } from './simulator-keys.ts';
import type {
  ContentEncryption,
  IssuedAccessToken,
  IssuedCode,
  PendingAuthorization,
  Scenario,
  SimulatorClient,
  SingpassProfile,
  SingpassSimulatorOptions,
} from './types.ts';

/** Everything the endpoints share, built once when the plugin registers. */
export interface SimulatorContext {
  readonly baseUrl: string;
  /** Path part of `baseUrl` (where the plugin is mounted), for links in pages. */
  readonly basePath: string;
  readonly clock: Clock;
  readonly defaultScenario: Scenario;
  readonly slowMs: number;
  readonly contentEncryption: ContentEncryption;
  readonly requireDpopNonce: boolean;
  readonly requestUriTtlSeconds: number;
  readonly codeTtlSeconds: number;
  readonly userinfoEndpoint: boolean;
  readonly issParameter: boolean;
  readonly scopesSupported: readonly string[];
  readonly clients: readonly SimulatorClient[];
  readonly keys: SimulatorKeys;
  readonly clientKeys: ClientKeyResolver;
  /** Pushed requests, keyed by their id (the tail of `request_uri`). */
  readonly pushed: ExpiringStore<PendingAuthorization>;
  /** Requests waiting for the persona form; the form posts the id back once. */
  readonly interactions: ExpiringStore<PendingAuthorization>;
  readonly codes: ExpiringStore<IssuedCode>;
  /** Codes already exchanged → the access token issued for them (revoked on reuse). */
  readonly usedCodes: ExpiringStore<string>;
  readonly accessTokens: ExpiringStore<IssuedAccessToken>;
  readonly clientAssertionJtis: ExpiringStore<true>;
  readonly dpopJtis: ExpiringStore<true>;
  readonly dpopNonce: () => string | undefined;
  issuer(profile: SingpassProfile): string;
  endpoint(profile: SingpassProfile, name: 'auth' | 'par' | 'token' | 'userinfo' | 'jwks'): string;
}

export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** Discovery `scopes_supported` unless configured: OIDC, Singpass identity and the personas' Myinfo. */
export const DEFAULT_SCOPES_SUPPORTED: readonly string[] = [
  'openid',
  'user.identity',
  'uinfin',
  'name',
  'sex',
  'dob',
  'nationality',
  'residentialstatus',
  'regadd',
  'mobileno',
  'email',
];

export async function createSimulatorContext(options: SingpassSimulatorOptions): Promise<SimulatorContext> {
  const clock = options.clock ?? systemClock;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const nonce = { value: randomId(16), issuedAt: Date.now() };
  const issuer = (profile: SingpassProfile): string => (profile === 'fapi' ? `${baseUrl}/fapi` : baseUrl);
  const paths = {
    auth: '/auth',
    par: '/par',
    token: '/token',
    userinfo: '/userinfo',
    jwks: '/.well-known/keys',
  };
  return {
    baseUrl,
    basePath: new URL(baseUrl).pathname.replace(/\/+$/, ''),
    clock,
    defaultScenario: options.defaultScenario ?? 'normal',
    slowMs: options.slowMs ?? 10_000,
    contentEncryption: options.contentEncryption ?? 'A256CBC-HS512',
    requireDpopNonce: options.requireDpopNonce ?? false,
    requestUriTtlSeconds: options.requestUriTtlSeconds ?? 60,
    codeTtlSeconds: options.codeTtlSeconds ?? 60,
    userinfoEndpoint: options.userinfoEndpoint ?? true,
    issParameter: options.issParameter ?? true,
    scopesSupported: options.scopesSupported ?? DEFAULT_SCOPES_SUPPORTED,
    clients: options.clients,
    keys: await createSimulatorKeys(),
    clientKeys: createClientKeyResolver(options.clients, options.fetch ?? fetch),
    pushed: createExpiringStore(clock),
    interactions: createExpiringStore(clock),
    codes: createExpiringStore(clock),
    usedCodes: createExpiringStore(clock),
    accessTokens: createExpiringStore(clock),
    clientAssertionJtis: createExpiringStore(clock),
    dpopJtis: createExpiringStore(clock),
    dpopNonce: () => {
      if (options.requireDpopNonce !== true) return undefined;
      // Rotate the nonce every minute, as RFC 9449 §8.2 suggests servers may.
      if (Date.now() - nonce.issuedAt > 60_000)
        Object.assign(nonce, { value: randomId(16), issuedAt: Date.now() });
      return nonce.value;
    },
    issuer,
    endpoint: (profile, name) => `${issuer(profile)}${paths[name]}`,
  };
}
