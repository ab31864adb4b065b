import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { ConnectorTransaction, SchemeConnector } from '../../connectors/index.ts';
import type { ConsentService } from '../../consent/index.ts';
import { type Clock, GovbridgeError, isGovbridgeError, sha256b64u, systemClock } from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { PolicyEngine } from '../../policy/index.ts';
import type { Storage } from '../../storage/index.ts';
import {
  hubLevels,
  mapClaims,
  type SchemeId,
  type TrustFramework,
  translateRequest,
} from '../../trust/index.ts';
import { findOrCreateAccount } from '../accounts.ts';
import type { ClientInfo, ClientRegistry } from '../client-registry.ts';
import type { GrantClaimsStore } from '../grant-claims.ts';
import { errorRoute, phaseOf, toOidcError } from './error-routes.ts';
import type { InteractionDetails, LoginDeps, LoginState, UpstreamResult } from './login-state.ts';
import { LOGIN_STEPS, runSteps } from './pipeline.ts';
import {
  describeRefusal,
  type LoginObserver,
  type LoginRefusal,
  logRefusal,
  type RefusalLogger,
} from './refusal.ts';
import { connectorOf } from './steps/start-upstream.ts';
import {
  describeInteraction,
  type InteractionView,
  reachable,
  registeredClient,
} from './steps/translate-request.ts';
import { inLoginTrace, linkToStart, loginSpan, tagLogin } from './tracing.ts';
import { UpstreamLoginStore } from './upstream-logins.ts';

export { toOidcError } from './error-routes.ts';
export type { UpstreamResult, WithheldAttribute } from './login-state.ts';
export { MAX_UPSTREAM_STARTS_PER_INTERACTION } from './steps/start-upstream.ts';
export type { InteractionView } from './steps/translate-request.ts';

/**
 * The login, for the web layer: each request runs its row of the step table (pipeline.ts) —
 *
 *   start     translate request → start upstream
 *   callback  check response → complete upstream → check assurance → decide release → check consent
 *   release   record release → finish                      (at once, or after the consent page)
 *
 * — and a refusal goes where error-routes.ts says: back to the relying party as an OIDC error, or to
 * a page at the hub. Each step's module opens with the rules it enforces.
 */
export interface LoginServiceOptions {
  provider: Provider;
  storage: Storage;
  kek: Uint8Array;
  trust: TrustFramework;
  connectors: ReadonlyMap<SchemeId, SchemeConnector>;
  clients: ClientRegistry;
  consents: ConsentService;
  grantClaims: GrantClaimsStore;
  /** The release policy: checked for every attribute before anything is released. */
  policy: PolicyEngine;
  /** The transparency ledger every release is appended to. */
  ledger?: Ledger;
  publicUrl: string;
  clock?: Clock;
  /** Where every refused or failed login is logged, once, at warn (refusal.ts). */
  logger?: RefusalLogger;
  /** Metrics: logins started, completed, refused; durations (refusal.ts). */
  observer?: LoginObserver;
}

export type CallbackOutcome =
  | { kind: 'consent'; uid: string; client: ClientInfo; result: UpstreamResult }
  | { kind: 'redirect'; url: string; accountId?: string }
  | { kind: 'account'; accountId: string; scheme: SchemeId; verified?: VerifiedAttributes };

/** What an account sign-in that asked for attributes brought back, mapped to common claims. */
export interface VerifiedAttributes {
  claims: Record<string, unknown>;
  sources: Record<string, unknown>;
  trustFrameworkVersion: string;
}

/** What an account sign-in keeps sealed until its callback. */
interface AccountTransaction {
  accountSignIn: { attributes: string[] };
  transaction: ConnectorTransaction;
}

type Req = IncomingMessage;
type Res = ServerResponse;

export class LoginService {
  readonly #deps: LoginDeps;
  readonly #publicUrl: string;
  readonly #detailsOf = new WeakMap<Req, Promise<InteractionDetails>>();
  /** Errors already logged as refusals: each failed login is one warn line, not one per layer. */
  readonly #logged = new WeakSet<object>();

  constructor(o: LoginServiceOptions) {
    const clock = o.clock ?? systemClock;
    this.#publicUrl = o.publicUrl;
    this.#deps = {
      provider: o.provider,
      storage: o.storage,
      trust: o.trust,
      connectors: o.connectors,
      clients: o.clients,
      consents: o.consents,
      grantClaims: o.grantClaims,
      policy: o.policy,
      ledger: o.ledger,
      clock,
      logger: o.logger,
      observer: o.observer,
      upstreamLogins: new UpstreamLoginStore(o.storage, o.kek, clock),
      levels: hubLevels(o.trust).map((l) => l.acr),
      callbackUrl: (scheme) => this.callbackUrl(scheme),
    };
  }

  get levels(): readonly string[] {
    return this.#deps.levels;
  }

  callbackUrl(scheme: SchemeId): string {
    return `${this.#publicUrl}/callback/${scheme}`;
  }

  /** Describe the pending interaction for the chooser page (or to start at once on `idp_hint`). */
  async describe(req: Req, res: Res): Promise<InteractionView> {
    return describeInteraction(await this.#details(req, res), this.#deps);
  }

  /**
   * Start the national login for this interaction; returns where to send the browser: to the
   * national scheme, or back to the relying party with the OIDC error when its request cannot be
   * served (error-routes.ts). Throws only what the person can act on at the hub.
   */
  async start(req: Req, res: Res, scheme: SchemeId): Promise<string> {
    try {
      return await loginSpan('login.start', scheme, async () => {
        const login = await this.#login(req, res, scheme);
        await runSteps(LOGIN_STEPS.start, login, this.#deps);
        return login.url!;
      });
    } catch (err) {
      if (errorRoute(err, phaseOf(err) ?? 'start') === 'relying-party')
        return this.abort(req, res, err, scheme);
      this.#refused(err, { scheme, clientId: await this.#clientIdOf(req, res) });
      throw err;
    }
  }

  /**
   * The national scheme sent the browser back. The stored state must belong to the interaction the
   * browser's cookie names, so a callback cannot be replayed into another person's login.
   */
  async callback(
    req: Req,
    res: Res,
    scheme: SchemeId,
    params: URLSearchParams,
    browserBinding?: string,
  ): Promise<CallbackOutcome> {
    try {
      return await loginSpan('login.callback', scheme, async () => {
        const state = params.get('state');
        const pending = state ? await this.#deps.upstreamLogins.pending(state, scheme) : undefined;
        if (state && pending?.purpose === 'account') {
          return this.#accountCallback(scheme, params, state, pending.interactionUid, browserBinding);
        }
        return this.#interactionCallback(req, res, scheme, params, pending);
      });
    } catch (err) {
      // What reaches the person (a bad or replayed callback, an outage, an account sign-in that
      // failed) is logged here; what ended the relying party's request was logged by `abort`.
      this.#refused(err, { scheme, clientId: await this.#clientIdOf(req, res) });
      throw err;
    }
  }

  async #interactionCallback(
    req: Req,
    res: Res,
    scheme: SchemeId,
    params: URLSearchParams,
    pending: LoginState['pendingUpstream'],
  ): Promise<CallbackOutcome> {
    const login = await this.#login(req, res, scheme);
    login.params = params;
    login.pendingUpstream = pending;
    try {
      if (!(await runSteps(LOGIN_STEPS.callback, login, this.#deps))) {
        return { kind: 'consent', uid: login.details.uid, client: login.client!, result: login.result! };
      }
      const url = await this.#release(login);
      return { kind: 'redirect', url, accountId: login.result!.accountId };
    } catch (err) {
      if (errorRoute(err, phaseOf(err) ?? 'response') === 'page') throw err;
      // A connector's own "lower level than requested" speaks the scheme's vocabulary: name the hub
      // level the relying party asked for, so its developer can act on it.
      const required = login.required ?? '';
      if (
        isGovbridgeError(err) &&
        err.code === 'unmet_authentication_requirements' &&
        !err.message.includes(required)
      ) {
        const described = new GovbridgeError(
          'unmet_authentication_requirements',
          `${err.message} The service required ${required}.`,
          { cause: err },
        );
        return { kind: 'redirect', url: await this.abort(req, res, described, scheme) };
      }
      return { kind: 'redirect', url: await this.abort(req, res, err, scheme) };
    }
  }

  /** The release steps, in the login's own trace (`login.release`, then `login.finish`). */
  #release(login: LoginState): Promise<string> {
    const result = login.result!;
    return loginSpan('login.release', result.scheme, async () => {
      tagLogin(login.details.uid, login.client!.clientId);
      linkToStart(result);
      return inLoginTrace(result, 'login.finish', result.scheme, async () => {
        tagLogin(login.details.uid, login.client!.clientId);
        await runSteps(LOGIN_STEPS.release, login, this.#deps);
        return login.url!;
      });
    });
  }

  /** The result waiting for a consent decision in this interaction. */
  async pendingResult(
    req: Req,
    res: Res,
  ): Promise<{ uid: string; client: ClientInfo; result: UpstreamResult; uiLocales: string | undefined }> {
    const details = await this.#details(req, res);
    const result = await this.#deps.upstreamLogins.waitingResult<UpstreamResult>(details.uid);
    if (!result) {
      throw new GovbridgeError(
        'bad_request',
        'There is no sign-in waiting for your decision. Start again from the service.',
      );
    }
    const client = await registeredClient(String(details.params['client_id']), this.#deps);
    const uiLocales =
      typeof details.params['ui_locales'] === 'string' ? details.params['ui_locales'] : undefined;
    return { uid: details.uid, client, result, uiLocales };
  }

  /** The citizen agreed or declined on the consent page. Returns where to send the browser. */
  async decide(req: Req, res: Res, agree: boolean): Promise<string> {
    const { client, result } = await this.pendingResult(req, res);
    if (!agree) {
      this.#deps.observer?.declined(client.clientId);
      return this.abort(
        req,
        res,
        new GovbridgeError('access_denied', 'The citizen declined to share their details with this service', {
          detail: { check: 'citizen_declined' },
        }),
        result.scheme,
      );
    }
    const login = await this.#login(req, res, result.scheme);
    login.client = client;
    login.result = result;
    // Nothing to share (everything asked for was withheld): the citizen was told; no consent to record.
    login.consentId =
      result.attributes.length === 0
        ? null
        : (
            await this.#deps.consents.grant({
              accountId: result.accountId,
              clientId: client.clientId,
              attributes: result.attributes,
              purpose: client.purpose,
              trustFrameworkVersion: result.trustFrameworkVersion,
            })
          ).consentId;
    return this.#release(login);
  }

  /** End the relying party's request with an OIDC error (logged once as a refused login). */
  async abort(req: Req, res: Res, err: unknown, scheme?: SchemeId): Promise<string> {
    const { error, description } = toOidcError(err);
    this.#refused(err, { scheme, clientId: await this.#clientIdOf(req, res), oidcError: error });
    return this.#deps.provider.interactionResult(
      req,
      res,
      { error, error_description: description },
      { mergeWithLastSubmission: false },
    );
  }

  /**
   * Start a sign-in to the hub itself (the citizen's own pages), not for a relying party. With
   * `attributes` (common claim names the citizen agreed to share with the hub), the scheme is asked
   * for them and the callback returns them mapped, with provenance.
   */
  async startAccountSignIn(
    scheme: SchemeId,
    browserBinding: string,
    attributes: readonly string[] = [],
  ): Promise<string> {
    const deps = this.#deps;
    const connector = connectorOf(deps, scheme);
    const wanted = [...new Set(attributes)];
    // The lowest level at which the scheme sends every asked-for attribute (One Login sends identity
    // claims only with an identity vector), else the lowest it can reach at all.
    const lowest =
      deps.levels.find((l) => reachable(deps, scheme, l, wanted) && this.#sendsAll(scheme, l, wanted)) ??
      deps.levels.find((l) => reachable(deps, scheme, l, wanted));
    if (lowest === undefined) {
      throw new GovbridgeError(
        'unmet_authentication_requirements',
        `${scheme} cannot provide ${wanted.join(', ') || 'a sign-in'}`,
      );
    }
    const request = translateRequest(deps.trust, scheme, lowest, wanted);
    const begun = await connector.begin({ request, redirectUri: this.callbackUrl(scheme) });
    // Bound to a random value in a cookie of the browser that started it (login CSRF). The asked-for
    // attributes travel sealed with the connector's transaction, never through the browser.
    const saved: AccountTransaction = {
      accountSignIn: { attributes: wanted },
      transaction: begun.transaction,
    };
    await deps.upstreamLogins.save(
      begun.transaction.state,
      scheme,
      'account',
      `account:${sha256b64u(browserBinding)}`,
      saved,
    );
    return begun.authorizationUrl;
  }

  /**
   * Which flow a callback belongs to, by its state, without using it up: a relying party's login
   * (continue on the interaction's own path, where its cookie is sent) or a hub account sign-in.
   */
  async routeCallback(
    scheme: SchemeId,
    params: URLSearchParams,
  ): Promise<{ kind: 'interaction'; uid: string } | { kind: 'account' }> {
    try {
      const state = params.get('state');
      if (!state) {
        throw new GovbridgeError(
          'bad_request',
          'The sign-in response has no state: start again from the service',
          {
            detail: { check: 'state' },
          },
        );
      }
      const owner = await this.#deps.upstreamLogins.owner(state, scheme);
      if (!owner) {
        throw new GovbridgeError(
          'bad_request',
          'This sign-in response is not valid: it has expired, was already used, or was not started here. Start again from the service.',
          { detail: { check: 'state' } },
        );
      }
      return owner.purpose === 'interaction' &&
        owner.interactionUid &&
        !owner.interactionUid.startsWith('account:')
        ? { kind: 'interaction', uid: owner.interactionUid }
        : { kind: 'account' };
    } catch (err) {
      this.#refused(err, { scheme });
      throw err;
    }
  }

  /** A hub account sign-in came back: bound to the browser that started it, the state used once. */
  async #accountCallback(
    scheme: SchemeId,
    params: URLSearchParams,
    state: string,
    owner: string | null,
    browserBinding: string | undefined,
  ): Promise<CallbackOutcome> {
    const deps = this.#deps;
    if (!browserBinding || owner !== `account:${sha256b64u(browserBinding)}`) {
      throw new GovbridgeError(
        'bad_request',
        'This sign-in response belongs to a different browser. Sign in again from your consents page.',
        { detail: { check: 'binding' } },
      );
    }
    const saved = (await deps.upstreamLogins.claim<AccountTransaction>(state, scheme)).transaction;
    const assertion = await connectorOf(deps, scheme).complete(params, saved.transaction);
    const accountId = await findOrCreateAccount(deps.storage, scheme, assertion.subject, deps.clock);
    const attributes = saved.accountSignIn.attributes;
    if (attributes.length === 0) return { kind: 'account', accountId, scheme };
    const mapped = mapClaims(deps.trust, assertion, attributes);
    return {
      kind: 'account',
      accountId,
      scheme,
      verified: {
        claims: { ...mapped.claims },
        sources: mapped.sources,
        trustFrameworkVersion: deps.trust.version,
      },
    };
  }

  /** Whether the scheme's request at this level asks for everything the attributes need. */
  #sendsAll(scheme: SchemeId, level: string, attributes: readonly string[]): boolean {
    const request = translateRequest(this.#deps.trust, scheme, level, attributes);
    if (request.scheme !== 'onelogin') return true;
    return attributes.every((a) =>
      (this.#deps.trust.schemes.onelogin.claims[a]?.userinfoClaims ?? []).every((c) =>
        request.userinfoClaims.includes(c),
      ),
    );
  }

  async #login(req: Req, res: Res, scheme: SchemeId): Promise<LoginState> {
    return { req, res, scheme, details: await this.#details(req, res) };
  }

  /** Log a refused or failed login, once per error (refusal.ts). */
  #refused(
    err: unknown,
    context: { scheme?: SchemeId | undefined; clientId?: string | undefined; oidcError?: string },
  ): LoginRefusal | undefined {
    if (typeof err === 'object' && err !== null) {
      if (this.#logged.has(err)) return undefined;
      this.#logged.add(err);
    }
    const refusal = describeRefusal(err, context);
    logRefusal(this.#deps.logger, refusal);
    this.#deps.observer?.refused(refusal.scheme, refusal.clientId, refusal.code, refusal.check);
    return refusal;
  }

  /** The relying party of this request's interaction, if there is one (for log lines). */
  async #clientIdOf(req: Req, res: Res): Promise<string | undefined> {
    try {
      const id = (await this.#details(req, res)).params['client_id'];
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The interaction of this request, read once per request: each read checks the signed cookie and
   * loads the interaction from the database, and a login step asks for it two or three times.
   */
  #details(req: Req, res: Res): Promise<InteractionDetails> {
    let details = this.#detailsOf.get(req);
    if (details === undefined) {
      details = this.#deps.provider.interactionDetails(req, res).catch((cause: unknown) => {
        throw new GovbridgeError(
          'bad_request',
          'Your sign-in has expired or was already finished. Go back to the service and start again.',
          { cause, detail: { check: 'interaction' } },
        );
      });
      this.#detailsOf.set(req, details);
    }
    return details;
  }
}
