import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { ConnectorTransaction, SchemeConnector } from '../../connectors/index.ts';
import type { ConsentService } from '../../consent/index.ts';
import type { Clock } from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { PolicyEngine } from '../../policy/index.ts';
import type { Storage } from '../../storage/index.ts';
import type { SchemeAssertion, SchemeId, TrustFramework, translateRequest } from '../../trust/index.ts';
import type { ClientInfo, ClientRegistry } from '../client-registry.ts';
import type { GrantClaimsStore } from '../grant-claims.ts';
import type { LoginPhase } from './error-routes.ts';
import type { LoginObserver, RefusalLogger } from './refusal.ts';
import type { UpstreamLoginStore } from './upstream-logins.ts';

/** What the login steps share: the hub's services, read-only. */
export interface LoginDeps {
  readonly provider: Provider;
  readonly storage: Storage;
  readonly trust: TrustFramework;
  readonly connectors: ReadonlyMap<SchemeId, SchemeConnector>;
  readonly clients: ClientRegistry;
  readonly consents: ConsentService;
  readonly grantClaims: GrantClaimsStore;
  readonly policy: PolicyEngine;
  readonly ledger: Ledger | undefined;
  readonly clock: Clock;
  readonly logger: RefusalLogger | undefined;
  readonly observer: LoginObserver | undefined;
  readonly upstreamLogins: UpstreamLoginStore;
  /** The hub's levels of assurance, lowest first. */
  readonly levels: readonly string[];
  readonly callbackUrl: (scheme: SchemeId) => string;
}

/** oidc-provider's view of the pending interaction (its authorization request's parameters). */
export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** An attribute the release policy withheld: the deciding policies and the reason for the citizen. */
export interface WithheldAttribute {
  attribute: string;
  policies: string[];
  reason: string;
}

/** What the upstream login produced, kept sealed until the citizen decides on consent. */
export interface UpstreamResult {
  accountId: string;
  scheme: SchemeId;
  acr: string;
  amr: string[];
  authTime: number | undefined;
  claims: Record<string, unknown>;
  sources: Record<string, unknown>;
  /** Attributes to be released (the policy allowed them and the scheme supplied them). */
  attributes: string[];
  /** Attributes the scheme supplied that the policy withheld, with why. */
  withheld: WithheldAttribute[];
  /** Ids of the policies that decided this release (allowed and withheld attributes), in order. */
  decisions?: string[];
  /**
   * Attributes the relying party asked for that this scheme cannot provide here: they need a scope
   * the scheme does not list in its discovery `scopes_supported`, so the hub did not ask for them.
   */
  unavailable?: string[];
  trustFrameworkVersion: string;
}

/**
 * One login as it goes through the steps: each step reads what earlier steps set and adds its own.
 * A field is set by exactly one step (named beside it).
 */
export interface LoginState {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly scheme: SchemeId;
  readonly details: InteractionDetails;
  /** The relying party (translate request / complete upstream). */
  client?: ClientInfo;
  /** The hub level required and the levels that would satisfy the request (translate request). */
  required?: string;
  candidates?: readonly string[];
  /** Attributes asked for, within what the client registered (translate request). */
  attributes?: string[];
  /** The scheme's own request, and the hints it may take (translate request). */
  upstreamRequest?: ReturnType<typeof translateRequest>;
  loginHint?: string | undefined;
  uiLocales?: string | undefined;
  /** Whose the callback's state is, if the caller looked it up already (check response). */
  pendingUpstream?: { purpose: 'interaction' | 'account'; interactionUid: string | null } | undefined;
  /** The callback's parameters and the state's stored transaction (complete upstream). */
  params?: URLSearchParams;
  transaction?: ConnectorTransaction & { unsupportedScopes?: unknown };
  stateHash?: string;
  upstreamStartedAt?: number;
  /** What the national scheme asserted, verified by its connector (complete upstream). */
  assertion?: SchemeAssertion;
  /** The hub level reached and how (check assurance). */
  acr?: string;
  amr?: string[];
  /** What will be released (decide release). */
  result?: UpstreamResult;
  /** The consent covering the release, or null when nothing needs one (check consent). */
  consentId?: string | null;
  /** The grant the tokens will carry (record release). */
  grantId?: string;
  /** Where the browser goes next (start upstream, finish, or a step that stops the login). */
  url?: string;
  /** The login stopped for the consent page (check consent). */
  needsConsent?: boolean;
}

/**
 * A step of the login: it enforces the rules its module opens with, reads what earlier steps put
 * in the state and adds its own. It returns 'stop' when the login leaves the pipeline here (the
 * consent page); a refusal is a thrown GovbridgeError, routed by error-routes.ts.
 */
export interface LoginStep {
  readonly name: string;
  /** Where a refusal by this step goes (error-routes.ts). */
  readonly phase: LoginPhase;
  run(login: LoginState, deps: LoginDeps): Promise<'next' | 'stop'>;
}
