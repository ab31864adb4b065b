import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { ConnectorTransaction, SchemeConnector } from '../../connectors/index.ts';
import type { ConsentService } from '../../consent/index.ts';
import {
  type Clock,
  GovbridgeError,
  isGovbridgeError,
  seal,
  sha256b64u,
  systemClock,
  unseal,
} from '../../kernel/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import type { PolicyEngine } from '../../policy/index.ts';
import type { Storage } from '../../storage/index.ts';
import {
  evaluateAssertion,
  hubLevels,
  mapClaims,
  type SchemeAssertion,
  type SchemeId,
  type TrustFramework,
  translateRequest,
} from '../../trust/index.ts';
import { findOrCreateAccount } from '../accounts.ts';
import type { ClientInfo, ClientRegistry } from '../client-registry.ts';
import type { GrantClaimsStore } from '../grant-claims.ts';
import { ACCESS_TOKEN_TTL_SECONDS, SCOPE_CLAIMS, WITHHELD_CLAIM } from '../provider.ts';
import { recordRelease, releaseLedgerRecord } from '../releases.ts';
import {
  describeRefusal,
  type LoginObserver,
  type LoginRefusal,
  logRefusal,
  type RefusalLogger,
} from './refusal.ts';
import { claimsParameterNames, requestedLevel, resultingAcr } from './requested-assurance.ts';
import { inLoginTrace, linkToStart, loginSpan, startTraceOf, tagLogin, withStartTrace } from './tracing.ts';

/**
 * The login pipeline, read as a table (in the order a login meets it):
 *
 *   interaction    → resolve client, requested level (acr_values / essential acr, client floor),
 *                    attributes (scopes ∩ claims parameter ∩ client's registered attributes)
 *   choose scheme  → `idp_hint` or the chooser page
 *   translate      → hub level → scheme vocabulary (Singpass acr_values, One Login vtr) — trust
 *   upstream       → connector.begin; state bound to this interaction; single-use
 *   callback       → connector.complete verifies everything the scheme sent
 *   assurance      → trust.evaluateAssertion: success only if achieved ≥ required (never mapped up)
 *   claims         → trust.mapClaims into the common claim set with provenance (verified_claims)
 *   policy         → policy.decideRelease per attribute (classification × the service's hosting
 *                    environment × purpose and legal basis): a denied attribute is withheld — never
 *                    mapped, sealed or released — and named, with the deciding policy, to the
 *                    citizen (consent page) and the service (`govbridge_withheld`)
 *   consent        → covered by an active consent for this service and purpose, else ask
 *   release        → grant + sealed claims for the token/userinfo endpoints + release record
 *
 * Each failure is a GovbridgeError with a stable code; the web layer turns it into the OIDC error
 * for the relying party (via `abort`) or a page for the person.
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

/** An attribute the release policy withheld: the deciding policies and the reason for the citizen. */
export interface WithheldAttribute {
  attribute: string;
  policies: string[];
  reason: string;
}

export interface InteractionView {
  uid: string;
  client: ClientInfo;
  requiredAcr: string;
  attributes: string[];
  idpHint: SchemeId | undefined;
  /** Schemes able to reach the required level (the chooser offers only these). */
  schemes: SchemeId[];
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

const UPSTREAM_TTL_MS = 10 * 60 * 1000;
/** Retries after an outage, or a change of scheme, fit well inside this. */
export const MAX_UPSTREAM_STARTS_PER_INTERACTION = 5;
const MAX_LOGIN_HINT_LENGTH = 256;
/**
 * What the hub forwards upstream as `login_hint`: visible ASCII without markup characters (an
 * e-mail address, an NRIC, a persona name). National schemes refuse a PAR carrying HTML, emoji, RTL
 * marks or control characters, and the person could never get past that refusal; such a hint is
 * dropped (it is only a hint, OIDC Core §3.1.2.1) and the drop is logged.
 */
const FORWARDABLE_LOGIN_HINT = /^[!#-&(-;=?-~]+$/;
/** `ui_locales`: space-separated BCP 47 language tags (OIDC Core §3.1.2.1). */
const FORWARDABLE_UI_LOCALES = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*( [A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*){0,9}$/;
type Req = IncomingMessage;
type Res = ServerResponse;

export class LoginService {
  readonly #o: LoginServiceOptions;
  readonly #clock: Clock;
  readonly #levels: string[];
  readonly #detailsOf = new WeakMap<Req, ReturnType<Provider['interactionDetails']>>();
  /** Errors already logged as refusals: each failed login is one warn line, not one per layer. */
  readonly #logged = new WeakSet<object>();

  constructor(options: LoginServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#levels = hubLevels(options.trust).map((l) => l.acr);
  }

  get levels(): readonly string[] {
    return this.#levels;
  }

  /** Describe the pending interaction for the chooser page (or to start at once on `idp_hint`). */
  async describe(req: Req, res: Res): Promise<InteractionView> {
    const details = await this.#details(req, res);
    const clientId = String(details.params['client_id']);
    const client = await this.#o.clients.get(clientId);
    if (!client)
      throw new GovbridgeError('invalid_client', 'The service that sent you here is not registered');
    const { required } = requestedLevel(this.#levels, details.params, client.minAcr);
    const attributes = this.#requestedAttributes(details.params, client);
    const schemes = [...this.#o.connectors.keys()].filter((s) => this.#reachable(s, required, attributes));
    const hint = details.params['idp_hint'];
    let idpHint: SchemeId | undefined;
    if (hint !== undefined) {
      if (hint !== 'singpass' && hint !== 'onelogin') {
        throw new GovbridgeError('invalid_request', `idp_hint must be "singpass" or "onelogin"`);
      }
      if (!this.#o.connectors.has(hint)) {
        throw new GovbridgeError(
          'invalid_request',
          `idp_hint "${hint}" names a scheme this hub does not offer`,
        );
      }
      idpHint = hint;
    }
    return { uid: details.uid, client, requiredAcr: required, attributes, idpHint, schemes };
  }

  /**
   * Start the national login for this interaction; returns where to send the browser: to the
   * national scheme, or — when the relying party's request cannot be served (a level the scheme can
   * never reach, a bad parameter, the scheme refusing the hub's request) — back to the relying party
   * with the OIDC error. Throws only what the person can act on at the hub (an outage: try again;
   * too many attempts).
   */
  async start(req: Req, res: Res, scheme: SchemeId): Promise<string> {
    try {
      return await loginSpan('login.start', scheme, () => this.#start(req, res, scheme));
    } catch (err) {
      if (endsRelyingPartyRequest(err)) return this.abort(req, res, err, scheme);
      this.#refused(err, { scheme, clientId: await this.#clientIdOf(req, res) });
      throw err;
    }
  }

  async #start(req: Req, res: Res, scheme: SchemeId): Promise<string> {
    const view = await this.describe(req, res);
    tagLogin(view.uid, view.client.clientId);
    const details = await this.#details(req, res);
    const connector = this.#connector(scheme);
    // Each start sends one request to the national scheme under the hub's client id: bound the
    // number per interaction so one open login page cannot make the hub hammer Singpass or One
    // Login (and get its client throttled for everyone). Counted in the database: any process.
    const started = await this.#o.storage.db
      .selectFrom('upstream_logins')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('interaction_uid', '=', view.uid)
      .executeTakeFirstOrThrow();
    if (Number(started.n) >= MAX_UPSTREAM_STARTS_PER_INTERACTION) {
      throw new GovbridgeError(
        'rate_limited',
        'You have tried to sign in too many times. Go back to the service and start again.',
      );
    }
    // Throws unmet_authentication_requirements when the scheme cannot reach the level at all.
    const request = translateRequest(this.#o.trust, scheme, view.requiredAcr, view.attributes);
    const loginHint = this.#forwardable(details.params['login_hint'], 'login_hint', view, scheme);
    const uiLocales = this.#forwardable(details.params['ui_locales'], 'ui_locales', view, scheme);
    const prompt = typeof details.params['prompt'] === 'string' ? details.params['prompt'].split(' ') : [];
    let begun: Awaited<ReturnType<SchemeConnector['begin']>>;
    try {
      begun = await connector.begin({
        request,
        redirectUri: this.callbackUrl(scheme),
        loginHint,
        uiLocales,
        forceLogin: prompt.includes('login') || details.params['max_age'] !== undefined,
      });
    } catch (err) {
      throw refusalOfOurRequest(err, scheme, loginHint !== undefined || uiLocales !== undefined) ?? err;
    }
    await this.#saveUpstream(
      begun.transaction.state,
      scheme,
      'interaction',
      view.uid,
      withStartTrace(begun.transaction),
    );
    this.#o.observer?.started(scheme, view.client.clientId);
    return begun.authorizationUrl;
  }

  /**
   * A relying party's parameter the hub forwards upstream, if it is one the scheme can take. Too long
   * is the relying party's mistake (`invalid_request`); characters a scheme refuses are dropped —
   * logged, and the login goes on without the hint — so the person never meets a refusal they cannot
   * get past.
   */
  #forwardable(
    value: unknown,
    name: 'login_hint' | 'ui_locales',
    view: InteractionView,
    scheme: SchemeId,
  ): string | undefined {
    if (typeof value !== 'string' || value === '') return undefined;
    if (value.length > MAX_LOGIN_HINT_LENGTH) {
      throw new GovbridgeError(
        'invalid_request',
        `${name} must be at most ${MAX_LOGIN_HINT_LENGTH} characters`,
        {
          detail: { check: name },
        },
      );
    }
    const pattern = name === 'login_hint' ? FORWARDABLE_LOGIN_HINT : FORWARDABLE_UI_LOCALES;
    if (pattern.test(value)) return value;
    this.#o.logger?.warn(
      {
        event: 'parameter_dropped',
        errorCode: `${name}_dropped`,
        check: `${name}_characters`,
        scheme,
        clientId: view.client.clientId,
      },
      `${name} not forwarded to ${scheme}: it has characters the national scheme does not accept`,
    );
    return undefined;
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
    const connector = this.#connector(scheme);
    const wanted = [...new Set(attributes)];
    // The lowest level at which the scheme sends every asked-for attribute (One Login sends identity
    // claims only with an identity vector), else the lowest it can reach at all.
    const lowest =
      this.#levels.find((l) => this.#reachable(scheme, l, wanted) && this.#sendsAll(scheme, l, wanted)) ??
      this.#levels.find((l) => this.#reachable(scheme, l, wanted));
    if (lowest === undefined) {
      throw new GovbridgeError(
        'unmet_authentication_requirements',
        `${scheme} cannot provide ${wanted.join(', ') || 'a sign-in'}`,
      );
    }
    const request = translateRequest(this.#o.trust, scheme, lowest, wanted);
    const begun = await connector.begin({ request, redirectUri: this.callbackUrl(scheme) });
    // Bound to a random value in a cookie of the browser that started it (login CSRF). The asked-for
    // attributes travel sealed with the connector's transaction, never through the browser.
    const saved: AccountTransaction = {
      accountSignIn: { attributes: wanted },
      transaction: begun.transaction,
    };
    await this.#saveUpstream(
      begun.transaction.state,
      scheme,
      'account',
      `account:${sha256b64u(browserBinding)}`,
      saved,
    );
    return begun.authorizationUrl;
  }

  callbackUrl(scheme: SchemeId): string {
    return `${this.#o.publicUrl}/callback/${scheme}`;
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
      return await this.#routeCallback(scheme, params);
    } catch (err) {
      this.#refused(err, { scheme });
      throw err;
    }
  }

  async #routeCallback(
    scheme: SchemeId,
    params: URLSearchParams,
  ): Promise<{ kind: 'interaction'; uid: string } | { kind: 'account' }> {
    const state = params.get('state');
    if (!state) {
      throw new GovbridgeError(
        'bad_request',
        'The sign-in response has no state: start again from the service',
        { detail: { check: 'state' } },
      );
    }
    const row = await this.#o.storage.db
      .selectFrom('upstream_logins')
      .select(['purpose', 'interaction_uid'])
      .where('state_hash', '=', sha256b64u(state))
      .where('scheme', '=', scheme)
      .executeTakeFirst();
    if (!row) {
      throw new GovbridgeError(
        'bad_request',
        'This sign-in response is not valid: it has expired, was already used, or was not started here. Start again from the service.',
        { detail: { check: 'state' } },
      );
    }
    return row.purpose === 'interaction' && row.interaction_uid && !row.interaction_uid.startsWith('account:')
      ? { kind: 'interaction', uid: row.interaction_uid }
      : { kind: 'account' };
  }

  /**
   * The national scheme sent the browser back. `interactionUid` is the interaction the browser's
   * cookie names (undefined when it has none): the stored state must belong to it, so a callback
   * cannot be replayed into another person's login (login CSRF).
   */
  async callback(
    req: Req,
    res: Res,
    scheme: SchemeId,
    params: URLSearchParams,
    browserBinding?: string,
  ): Promise<CallbackOutcome> {
    try {
      return await loginSpan('login.callback', scheme, () =>
        this.#callback(req, res, scheme, params, browserBinding),
      );
    } catch (err) {
      // What reaches the person (a bad or replayed callback, an outage, an account sign-in that
      // failed) is logged here; what ended the relying party's request was logged by `abort`.
      this.#refused(err, { scheme, clientId: await this.#clientIdOf(req, res) });
      throw err;
    }
  }

  async #callback(
    req: Req,
    res: Res,
    scheme: SchemeId,
    params: URLSearchParams,
    browserBinding?: string,
  ): Promise<CallbackOutcome> {
    const state = params.get('state');
    if (!state) {
      throw new GovbridgeError(
        'bad_request',
        'The sign-in response has no state: start again from the service',
      );
    }
    // Check the browser binding BEFORE using the state up: a callback replayed from another browser
    // must not burn the real person's login.
    const pending = await this.#findUpstream(state, scheme);
    const connector = this.#connector(scheme);

    if (pending.purpose === 'account') {
      if (!browserBinding || pending.interaction_uid !== `account:${sha256b64u(browserBinding)}`) {
        throw new GovbridgeError(
          'bad_request',
          'This sign-in response belongs to a different browser. Sign in again from your consents page.',
          { detail: { check: 'binding' } },
        );
      }
      const row = await this.#claimUpstream(state, scheme);
      const saved = JSON.parse(
        unseal(this.#o.kek, row.transaction_sealed, `upstream:${row.state_hash}`),
      ) as AccountTransaction;
      const assertion = await connector.complete(params, saved.transaction);
      const accountId = await findOrCreateAccount(this.#o.storage, scheme, assertion.subject, this.#clock);
      const attributes = saved.accountSignIn.attributes;
      if (attributes.length === 0) return { kind: 'account', accountId, scheme };
      const mapped = mapClaims(this.#o.trust, assertion, attributes);
      return {
        kind: 'account',
        accountId,
        scheme,
        verified: {
          claims: { ...mapped.claims },
          sources: mapped.sources,
          trustFrameworkVersion: this.#o.trust.version,
        },
      };
    }

    const details = await this.#details(req, res);
    if (details.uid !== pending.interaction_uid) {
      throw new GovbridgeError(
        'bad_request',
        'This sign-in response belongs to a different sign-in. Start again from the service.',
        { detail: { check: 'binding' } },
      );
    }
    const row = await this.#claimUpstream(state, scheme);
    tagLogin(details.uid, String(details.params['client_id']));
    const tx = JSON.parse(unseal(this.#o.kek, row.transaction_sealed, `upstream:${row.state_hash}`));
    linkToStart(tx);
    const client = await this.#o.clients.get(String(details.params['client_id']));
    if (!client)
      throw new GovbridgeError('invalid_client', 'The service that sent you here is not registered');

    const { required, candidates } = requestedLevel(this.#levels, details.params, client.minAcr);
    const upstreamSeconds = () => (this.#clock.now().getTime() - Number(row.created_at)) / 1000;
    try {
      let assertion: SchemeAssertion;
      try {
        assertion = await inLoginTrace(tx, 'login.upstream', scheme, () => {
          tagLogin(details.uid, client.clientId);
          return connector.complete(params, tx);
        });
      } catch (err) {
        this.#o.observer?.upstream(scheme, 'refused', upstreamSeconds());
        throw err;
      }
      this.#o.observer?.upstream(scheme, 'completed', upstreamSeconds());
      const evaluation = evaluateAssertion(this.#o.trust, assertion, required);
      if (!evaluation.satisfied) {
        throw new GovbridgeError(
          'unmet_authentication_requirements',
          `The ${scheme} login reached ${evaluation.acr ?? 'no hub level'} (identity ${evaluation.achieved.identity}, authentication ${evaluation.achieved.authentication}), below the required ${required}${evaluation.reason ? `: ${evaluation.reason}` : ''}`,
          // The check names the dimension(s) that fell short: assurance_identity, assurance_authentication.
          { detail: { check: `assurance_${evaluation.shortOf.join('_and_') || 'level'}` } },
        );
      }
      const acr =
        resultingAcr(
          this.#levels,
          candidates,
          (l) => evaluateAssertion(this.#o.trust, assertion, l).satisfied,
        ) ?? evaluation.acr;
      const attributes = this.#requestedAttributes(details.params, client);
      const { mapped, withheld, decisions } = this.#applyPolicy(scheme, client, assertion, attributes);
      const accountId = await findOrCreateAccount(this.#o.storage, scheme, assertion.subject, this.#clock);
      const claims: Record<string, unknown> = { ...mapped.claims };
      if (mapped.verified_claims) claims['verified_claims'] = mapped.verified_claims;
      const unavailable = this.#unavailable(scheme, attributes, tx.unsupportedScopes);
      const result: UpstreamResult = {
        accountId,
        scheme,
        acr,
        amr: evaluation.amr,
        authTime: assertion.authTime,
        claims,
        sources: mapped.sources,
        attributes: Object.keys(mapped.claims),
        withheld,
        decisions,
        ...(unavailable.length > 0 ? { unavailable } : {}),
        trustFrameworkVersion: this.#o.trust.version,
        ...startTraceOf(tx),
      };
      const covering = await this.#o.consents.findCovering(
        accountId,
        client.clientId,
        result.attributes,
        client.purpose,
      );
      // The consent page also tells the citizen what is withheld or unavailable, so it is shown when
      // something is, even with nothing to share; an existing consent covering what is shared skips it.
      if (
        covering ||
        (result.attributes.length === 0 && result.withheld.length === 0 && unavailable.length === 0)
      ) {
        return {
          kind: 'redirect',
          url: await this.#release(req, res, result, client, covering?.consentId ?? null),
          accountId,
        };
      }
      // Kept sealed for the consent decision (`pendingResult`), which comes in a later request and
      // possibly another process; a login released at once never needs it, so it is not written.
      await this.#o.storage.db
        .updateTable('upstream_logins')
        .set({ result_sealed: seal(this.#o.kek, JSON.stringify(result), `result:${row.state_hash}`) })
        .where('state_hash', '=', row.state_hash)
        .execute();
      return { kind: 'consent', uid: details.uid, client, result };
    } catch (err) {
      // Upstream outages stay on the hub (the person can retry); everything else ends the request
      // with the OIDC error the relying party can act on.
      if (isGovbridgeError(err) && (err.code === 'upstream_timeout' || err.code === 'upstream_unavailable'))
        throw err;
      // A connector's own "lower level than requested" speaks the scheme's vocabulary: name the
      // hub level the relying party asked for, so its developer can act on it.
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

  /** The result waiting for a consent decision in this interaction. */
  async pendingResult(
    req: Req,
    res: Res,
  ): Promise<{ uid: string; client: ClientInfo; result: UpstreamResult }> {
    const details = await this.#details(req, res);
    const row = await this.#o.storage.db
      .selectFrom('upstream_logins')
      .select(['state_hash', 'result_sealed'])
      .where('interaction_uid', '=', details.uid)
      .where('result_sealed', 'is not', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (!row?.result_sealed) {
      throw new GovbridgeError(
        'bad_request',
        'There is no sign-in waiting for your decision. Start again from the service.',
      );
    }
    const client = await this.#o.clients.get(String(details.params['client_id']));
    if (!client)
      throw new GovbridgeError('invalid_client', 'The service that sent you here is not registered');
    const result = JSON.parse(
      unseal(this.#o.kek, row.result_sealed, `result:${row.state_hash}`),
    ) as UpstreamResult;
    return { uid: details.uid, client, result };
  }

  /** The citizen agreed or declined on the consent page. Returns where to send the browser. */
  async decide(req: Req, res: Res, agree: boolean): Promise<string> {
    const { client, result } = await this.pendingResult(req, res);
    if (!agree) {
      this.#o.observer?.declined(client.clientId);
      return this.abort(
        req,
        res,
        new GovbridgeError('access_denied', 'The citizen declined to share their details with this service', {
          detail: { check: 'citizen_declined' },
        }),
        result.scheme,
      );
    }
    // Nothing to share (everything asked for was withheld): the citizen was told; no consent to record.
    if (result.attributes.length === 0) return this.#release(req, res, result, client, null);
    const consent = await this.#o.consents.grant({
      accountId: result.accountId,
      clientId: client.clientId,
      attributes: result.attributes,
      purpose: client.purpose,
      trustFrameworkVersion: result.trustFrameworkVersion,
    });
    return this.#release(req, res, result, client, consent.consentId);
  }

  /** End the relying party's request with an OIDC error (logged once as a refused login). */
  async abort(req: Req, res: Res, err: unknown, scheme?: SchemeId): Promise<string> {
    const { error, description } = toOidcError(err);
    this.#refused(err, { scheme, clientId: await this.#clientIdOf(req, res), oidcError: error });
    return this.#o.provider.interactionResult(
      req,
      res,
      { error, error_description: description },
      { mergeWithLastSubmission: false },
    );
  }

  #release(
    req: Req,
    res: Res,
    result: UpstreamResult,
    client: ClientInfo,
    consentId: string | null,
  ): Promise<string> {
    return loginSpan('login.release', result.scheme, async () => {
      const { uid } = await this.#details(req, res);
      tagLogin(uid, client.clientId);
      linkToStart(result);
      return inLoginTrace(result, 'login.finish', result.scheme, () => {
        tagLogin(uid, client.clientId);
        return this.#releaseNow(req, res, result, client, consentId);
      });
    });
  }

  async #releaseNow(
    req: Req,
    res: Res,
    result: UpstreamResult,
    client: ClientInfo,
    consentId: string | null,
  ): Promise<string> {
    const details = await this.#details(req, res);
    const grant = new this.#o.provider.Grant({ accountId: result.accountId, clientId: client.clientId });
    const scope = typeof details.params['scope'] === 'string' ? details.params['scope'] : 'openid';
    grant.addOIDCScope(scope.split(' ').filter((s) => s in SCOPE_CLAIMS));
    const asked = claimsParameterNames(details.params['claims']);
    const allowedExtra = new Set(['acr', 'amr', 'auth_time', 'sid', ...result.attributes]);
    if (asked.length > 0) grant.addOIDCClaims(asked.filter((c) => allowedExtra.has(c)));
    const grantId = await grant.save();
    // Results sealed before the policy step existed carry no `withheld`.
    const withheld = result.withheld ?? [];
    const claims =
      withheld.length === 0
        ? result.claims
        : {
            ...result.claims,
            [WITHHELD_CLAIM]: withheld.map((w) => ({ claim: w.attribute, policy: w.policies[0] })),
          };
    await this.#o.grantClaims.put(grantId, result.accountId, claims, ACCESS_TOKEN_TTL_SECONDS * 2);
    const release = {
      accountId: result.accountId,
      clientId: client.clientId,
      clientCountry: client.country,
      attributes: result.attributes,
      withheld: withheld.map((w) => ({ attribute: w.attribute, policies: w.policies })),
      decisions: result.decisions ?? [],
      acr: result.acr,
      scheme: result.scheme,
      trustFrameworkVersion: result.trustFrameworkVersion,
      consentId,
      grantId,
      at: this.#clock.now(),
    };
    const releaseId = await recordRelease(this.#o.storage, release);
    // Every release goes into the transparency ledger before the service gets anything; a crash
    // between the two is healed at the next start (`appendUnledgeredReleases`).
    if (this.#o.ledger) await this.#o.ledger.append(releaseLedgerRecord(releaseId, release));
    const iat = (details as { iat?: unknown }).iat;
    this.#o.observer?.completed(
      result.scheme,
      client.clientId,
      result.acr,
      typeof iat === 'number' ? this.#clock.now().getTime() / 1000 - iat : undefined,
    );
    return this.#o.provider.interactionResult(
      req,
      res,
      {
        login: {
          accountId: result.accountId,
          acr: result.acr,
          amr: result.amr,
          remember: false,
          ...(result.authTime ? { ts: result.authTime } : {}),
        },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  /**
   * Ask the release policy about every requested attribute before any is mapped for release. Only
   * allowed attributes are mapped (values and `verified_claims` alike); a denied attribute the scheme
   * supplied is reported as withheld (one it did not supply is simply missing).
   */
  #applyPolicy(
    scheme: SchemeId,
    client: ClientInfo,
    assertion: SchemeAssertion,
    attributes: string[],
  ): { mapped: ReturnType<typeof mapClaims>; withheld: WithheldAttribute[]; decisions: string[] } {
    if (attributes.length === 0)
      return { mapped: mapClaims(this.#o.trust, assertion, []), withheld: [], decisions: [] };
    let decisions: ReturnType<PolicyEngine['decideRelease']>;
    try {
      decisions = this.#o.policy.decideRelease({
        recipient: {
          kind: 'service',
          id: client.clientId,
          name: client.name,
          country: client.country,
          environment: client.environment,
        },
        attributes,
        context: {
          purpose: client.purpose,
          // Nothing is released before the citizen agrees (consent page) or an earlier consent covers it.
          consentGiven: true,
          crossBorder: this.#o.trust.schemes[scheme].country !== client.country,
          legalBasis: 'consent',
        },
      });
    } catch (err) {
      if (isGovbridgeError(err) && err.code === 'environment_unknown') {
        throw new GovbridgeError(
          'access_denied',
          'The service has not registered a hosting environment the hub knows (govbridge_environment), so nothing can be released to it',
          { cause: err },
        );
      }
      throw err;
    }
    const allowed = decisions.filter((d) => d.decision === 'allow').map((d) => d.attribute);
    const denied = decisions.filter((d) => d.decision === 'deny');
    const decidedBy = [...new Set(decisions.flatMap((d) => d.policies))];
    if (denied.length === 0)
      return { mapped: mapClaims(this.#o.trust, assertion, attributes), withheld: [], decisions: decidedBy };
    const supplied = new Set(
      Object.keys(
        mapClaims(
          this.#o.trust,
          assertion,
          denied.map((d) => d.attribute),
        ).claims,
      ),
    );
    return {
      decisions: decidedBy,
      mapped: mapClaims(this.#o.trust, assertion, allowed),
      withheld: denied
        .filter((d) => supplied.has(d.attribute))
        .map((d) => ({ attribute: d.attribute, policies: [...d.policies], reason: d.reason })),
    };
  }

  /** Requested attributes that need a scope the scheme's upstream does not support (not asked for). */
  #unavailable(scheme: SchemeId, attributes: readonly string[], unsupportedScopes: unknown): string[] {
    if (!Array.isArray(unsupportedScopes) || unsupportedScopes.length === 0) return [];
    const claims = this.#o.trust.schemes[scheme].claims;
    return attributes.filter((a) => (claims[a]?.scopes ?? []).some((s) => unsupportedScopes.includes(s)));
  }

  #requestedAttributes(params: Record<string, unknown>, client: ClientInfo): string[] {
    const scope = typeof params['scope'] === 'string' ? params['scope'] : '';
    const fromScopes = scope.split(' ').flatMap((s) => SCOPE_CLAIMS[s] ?? []);
    const fromClaims = claimsParameterNames(params['claims']);
    const wanted = new Set([...fromScopes, ...fromClaims]);
    return client.attributes.filter((a) => wanted.has(a));
  }

  #reachable(scheme: SchemeId, level: string, attributes: string[]): boolean {
    try {
      translateRequest(this.#o.trust, scheme, level, attributes);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether the scheme's request at this level asks for everything the attributes need. */
  #sendsAll(scheme: SchemeId, level: string, attributes: readonly string[]): boolean {
    const request = translateRequest(this.#o.trust, scheme, level, attributes);
    if (request.scheme !== 'onelogin') return true;
    return attributes.every((a) =>
      (this.#o.trust.schemes.onelogin.claims[a]?.userinfoClaims ?? []).every((c) =>
        request.userinfoClaims.includes(c),
      ),
    );
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
    logRefusal(this.#o.logger, refusal);
    this.#o.observer?.refused(refusal.scheme, refusal.clientId, refusal.code, refusal.check);
    return refusal;
  }

  /** The relying party of this request's interaction, if there is one (for log lines). */
  async #clientIdOf(req: Req, res: Res): Promise<string | undefined> {
    try {
      const details = await this.#details(req, res);
      const id = details.params['client_id'];
      return typeof id === 'string' ? id : undefined;
    } catch {
      return undefined;
    }
  }

  #connector(scheme: SchemeId): SchemeConnector {
    const c = this.#o.connectors.get(scheme);
    if (!c) throw new GovbridgeError('not_found', `This hub does not offer ${scheme}`);
    return c;
  }

  /**
   * The interaction of this request, read once per request: each read checks the signed cookie and
   * loads the interaction from the database, and a login step asks for it two or three times.
   */
  #details(req: Req, res: Res): ReturnType<Provider['interactionDetails']> {
    let details = this.#detailsOf.get(req);
    if (details === undefined) {
      details = this.#o.provider.interactionDetails(req, res).catch((cause: unknown) => {
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

  async #saveUpstream(
    state: string,
    scheme: SchemeId,
    purpose: 'interaction' | 'account',
    uid: string | null,
    transaction: unknown,
  ): Promise<void> {
    const stateHash = sha256b64u(state);
    const now = this.#clock.now().getTime();
    await this.#o.storage.db
      .insertInto('upstream_logins')
      .values({
        state_hash: stateHash,
        interaction_uid: uid,
        purpose,
        scheme,
        transaction_sealed: seal(this.#o.kek, JSON.stringify(transaction), `upstream:${stateHash}`),
        result_sealed: null,
        created_at: now,
        expires_at: now + UPSTREAM_TTL_MS,
        completed_at: null,
      })
      .execute();
  }

  /** The upstream login a state names, still unused and unexpired (not used up by looking). */
  async #findUpstream(state: string, scheme: SchemeId) {
    const row = await this.#o.storage.db
      .selectFrom('upstream_logins')
      .select(['purpose', 'interaction_uid'])
      .where('state_hash', '=', sha256b64u(state))
      .where('scheme', '=', scheme)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', this.#clock.now().getTime())
      .executeTakeFirst();
    if (!row) throw invalidState();
    return row;
  }

  /** Find the upstream login by state and mark it used, atomically: a state works once. */
  async #claimUpstream(state: string, scheme: SchemeId) {
    const stateHash = sha256b64u(state);
    const now = this.#clock.now().getTime();
    const claimed = await this.#o.storage.db
      .updateTable('upstream_logins')
      .set({ completed_at: now })
      .where('state_hash', '=', stateHash)
      .where('scheme', '=', scheme)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw invalidState();
    return this.#o.storage.db
      .selectFrom('upstream_logins')
      .selectAll()
      .where('state_hash', '=', stateHash)
      .executeTakeFirstOrThrow();
  }
}

function invalidState(): GovbridgeError {
  return new GovbridgeError(
    'bad_request',
    'This sign-in response is not valid: it has expired, was already used, or was not started here. Start again from the service.',
    { detail: { check: 'state' } },
  );
}

/**
 * Errors at `start` that end the relying party's request rather than stop the person at the hub: a
 * level the scheme can never reach, a bad parameter, a refusal by the person, the scheme refusing
 * the hub's request (not an outage: trying again cannot help).
 */
function endsRelyingPartyRequest(err: unknown): boolean {
  if (!isGovbridgeError(err)) return false;
  return (
    err.code === 'unmet_authentication_requirements' ||
    err.code === 'invalid_request' ||
    err.code === 'access_denied' ||
    isUpstreamRefusal(err)
  );
}

/** The national scheme answered the hub's own request (PAR) with a 4xx OAuth error. */
function isUpstreamRefusal(err: unknown): boolean {
  if (!isGovbridgeError(err) || err.code !== 'upstream_invalid_response') return false;
  const status = err.detail?.['status'];
  return err.detail?.['check'] === 'par' && typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * A scheme's refusal of the hub's request, as the relying party should hear it: when it refused with
 * `invalid_request` and the request carried a parameter the relying party chose (`login_hint`,
 * `ui_locales`), that is the likely cause — `invalid_request`; otherwise the hub's own request or
 * registration is at fault — `server_error` (toOidcError), never an outage.
 */
function refusalOfOurRequest(err: unknown, scheme: SchemeId, forwarded: boolean): GovbridgeError | undefined {
  if (!isUpstreamRefusal(err) || !isGovbridgeError(err)) return undefined;
  const upstreamError = typeof err.detail?.['error'] === 'string' ? err.detail['error'] : undefined;
  if (forwarded && upstreamError === 'invalid_request') {
    return new GovbridgeError(
      'invalid_request',
      `${scheme} refused the sign-in request (invalid_request): check the login_hint and ui_locales you sent`,
      { cause: err, detail: err.detail },
    );
  }
  return err;
}

/** Map a failure to the OIDC error the relying party receives (OIDC Core §3.1.2.6). */
export function toOidcError(err: unknown): { error: string; description: string } {
  if (isUpstreamRefusal(err)) {
    return {
      error: 'server_error',
      description: 'The national identity provider refused the hub’s sign-in request',
    };
  }
  if (isGovbridgeError(err) && err.expose) {
    switch (err.code) {
      case 'access_denied':
      case 'unmet_authentication_requirements':
      case 'login_required':
      case 'consent_required':
      case 'invalid_request':
      case 'temporarily_unavailable':
        return { error: err.code, description: err.message };
      default:
        break;
    }
  }
  if (isGovbridgeError(err) && err.code === 'upstream_invalid_response') {
    return {
      error: 'access_denied',
      description:
        'The national identity provider’s response failed verification, so no identity was released',
    };
  }
  if (isGovbridgeError(err) && err.code === 'temporarily_unavailable') {
    return { error: 'temporarily_unavailable', description: 'The national identity provider is unavailable' };
  }
  return { error: 'server_error', description: 'The hub could not complete the sign-in' };
}
