import type { Environment } from 'nunjucks';
import type { Clock } from '../../kernel/index.ts';
import { didWebFor } from './did-web.ts';
import { ExpiringStore } from './expiring-store.ts';
import type { SimulatorKeys } from './simulator-keys.ts';
import type {
  AuthRequest,
  CredentialTrust,
  LevelOfConfidence,
  OneLoginSimulatorOptions,
  Scenario,
  SimulatorClient,
} from './types.ts';

/** What an issued authorization code stands for until it is redeemed at /token. */
export interface IssuedCode {
  readonly request: AuthRequest;
  readonly personaId: string;
  readonly scenario: Scenario;
  readonly vot: CredentialTrust;
  /** The level of confidence reached, or null when no identity was asked for or proven. */
  readonly identity: LevelOfConfidence | null;
  /** True when identity was asked for and not reached (returnCode journey). */
  readonly identityFailed: boolean;
  readonly authTime: number;
  readonly sid: string;
  used: boolean;
}

export interface IssuedAccessToken {
  readonly code: IssuedCode;
  readonly sub: string;
}

export interface SimulatorUrls {
  readonly base: string;
  readonly issuer: string;
  readonly authorize: string;
  readonly token: string;
  readonly userinfo: string;
  readonly jwks: string;
  readonly logout: string;
  readonly trustmark: string;
  readonly identityIssuer: string;
  readonly did: string;
  /** Path (no origin) of the persona form's target. */
  readonly choosePath: string;
}

export interface SimulatorContext {
  readonly options: OneLoginSimulatorOptions;
  readonly clock: Clock;
  readonly keys: SimulatorKeys;
  readonly urls: SimulatorUrls;
  readonly views: Environment;
  readonly defaultScenario: Scenario;
  readonly slowDelayMs: number;
  readonly interactions: ExpiringStore<{ request: AuthRequest }>;
  readonly codes: ExpiringStore<IssuedCode>;
  readonly accessTokens: ExpiringStore<IssuedAccessToken>;
  /** `client_id jti` of client assertions already used (RFC 7523 §3 item 7: no replay). */
  readonly usedJtis: ExpiringStore<true>;
  /** Aborted before the server closes, so `slow` responses do not hold it open. */
  readonly closing: AbortController;
  findClient(clientId: string): SimulatorClient | undefined;
}

export function buildUrls(baseUrl: string): SimulatorUrls {
  const base = baseUrl.replace(/\/+$/, '');
  const identityIssuer = `${base}/identity/`;
  return {
    base,
    issuer: baseUrl,
    authorize: `${base}/authorize`,
    token: `${base}/token`,
    userinfo: `${base}/userinfo`,
    jwks: `${base}/.well-known/jwks.json`,
    logout: `${base}/logout`,
    trustmark: `${base}/trustmark`,
    identityIssuer,
    did: didWebFor(identityIssuer),
    choosePath: `${new URL(base).pathname.replace(/\/+$/, '')}/authorize/persona`,
  };
}

export function createStores(clock: Clock) {
  return {
    interactions: new ExpiringStore<{ request: AuthRequest }>(clock),
    codes: new ExpiringStore<IssuedCode>(clock),
    accessTokens: new ExpiringStore<IssuedAccessToken>(clock),
    usedJtis: new ExpiringStore<true>(clock),
  };
}
