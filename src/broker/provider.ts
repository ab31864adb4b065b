import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import Provider, {
  type Configuration,
  errors,
  type FindAccount,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { mintClientId } from '../kernel/index.ts';
import { isDatabaseUnavailable, type Storage } from '../storage/index.ts';
import { createAdapterFactory, settlePendingWrites } from './adapter.ts';
import { type ClientRegistry, GOVBRIDGE_METADATA } from './client-registry.ts';
import type { GrantClaimsStore } from './grant-claims.ts';

/**
 * The extension claim that tells a service which requested claims the release policy withheld and
 * the deciding policy of each, `[{claim, policy}]` (docs/policy.md): in the ID token and at userinfo,
 * present only when something was withheld.
 */
export const WITHHELD_CLAIM = 'govbridge_withheld';

/**
 * The hub as an OpenID Provider to relying parties, on oidc-provider.
 *
 * Security profile: every client authenticates with `private_key_jwt`, every flow is the code flow
 * with PKCE S256; clients registered with `govbridge_security_profile: fapi2` (the default) get the
 * FAPI 2.0 Security Profile (PAR required, DPoP- or mTLS-bound tokens, short-lived codes, `iss` in
 * the authorization response). Algorithms are pinned (see `enabledJWA`). Subjects are pairwise per
 * sector so two services cannot correlate a citizen by `sub`.
 */
export interface ProviderOptions {
  issuer: string;
  storage: Storage;
  clients: ClientRegistry;
  grantClaims: GrantClaimsStore;
  /** Private signing keys, active first. */
  signingKeys: JWK[];
  /** Secrets for oidc-provider's signed cookies (shared by all processes). */
  cookieKeys: string[];
  /** Salt for pairwise subject identifiers (shared by all processes, never rotated). */
  pairwiseSalt: string;
  /** Hub assurance levels (acr values), lowest first. */
  acrValues: string[];
  /**
   * Common claims no scope carries (for example `urn:govbridge:claims:sg_residential_status`): a
   * relying party asks for them by name with the `claims` parameter, so they are listed in
   * `claims_supported` and granted when asked (otherwise oidc-provider drops such a request).
   */
  claimsByNameOnly?: readonly string[];
  initialAccessToken: string | undefined;
  secureCookies: boolean;
  /**
   * Renders the page oidc-provider shows when it cannot redirect an error back to the client. Every
   * page renderer is also told the client's registered country (`govbridge_country`) when the
   * request names a client: the page wears that country's design (web/design.ts).
   */
  renderErrorPage: (status: number, title: string, message: string, clientCountry?: string) => string;
  renderLogoutPage: (form: string, clientName: string | undefined, clientCountry?: string) => string;
  renderLoggedOutPage: (clientName: string | undefined, clientCountry?: string) => string;
  /**
   * The page shown when this browser's hub session belongs to another identity than the login
   * just made (one browser, two people): a form posting `xsrf` and `logout=yes` to `action` ends
   * the other identity's session, then the login carries on. No script: the person presses the button.
   */
  renderSwitchIdentityPage: (
    action: string,
    xsrf: string,
    clientName: string | undefined,
    clientCountry?: string,
  ) => string;
  /**
   * An authorization response in `response_mode=form_post`: a form posting `fields` to the
   * service's `redirect_uri` `action`, with a button the person presses (no script).
   */
  renderFormPostPage: (
    action: string,
    fields: Record<string, string>,
    clientName: string | undefined,
    clientCountry?: string,
  ) => string;
  /**
   * The person confirmed signing out at the logout endpoint (a service's RP-initiated logout, or
   * ending another identity's session on this browser): end the rest of this browser's hub
   * sign-in too (the account session of the hub's own pages).
   */
  onLogout?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /**
   * Security headers for the HTML pages the provider itself renders (its responses bypass the web
   * layer's hooks): the same Content Security Policy and framing rules as every other hub page.
   */
  htmlSecurityHeaders: Record<string, string>;
}

/** Scopes and the claims they release (OpenID Connect Core §5.4, plus `nationality`). */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'birthdate', 'gender', 'verified_claims'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address', 'verified_claims'],
  nationality: ['nationalities', 'verified_claims'],
};

/** A client's registered country (`govbridge_country`), for the design of the pages it leads to. */
function countryOf(client: { metadata(): Record<string, unknown> } | undefined): string | undefined {
  const country = client?.metadata()['govbridge_country'];
  return typeof country === 'string' ? country : undefined;
}

export const FAPI_CODE_TTL_SECONDS = 60;
export const ACCESS_TOKEN_TTL_SECONDS = 600;

export function createProvider(o: ProviderOptions): Provider {
  const Adapter = createAdapterFactory(o.storage, o.clients);

  const findAccount: FindAccount = async (_ctx, sub, token) => ({
    accountId: sub,
    async claims(_use, scope, claimsParameter, rejected) {
      const grantId = token && 'grantId' in token ? (token.grantId as string | undefined) : undefined;
      const released = grantId ? await o.grantClaims.find(grantId) : undefined;
      if (!released) return { sub };
      // What the grant allows is what was released: claims asked by scope AND claims asked by name
      // in the `claims` parameter (OIDC Core §5.5) — the release record and the ledger name both.
      // oidc-provider then masks the result to the grant once more.
      return { sub, ...filterReleasedClaims(released, scope, Object.keys(claimsParameter ?? {}), rejected) };
    },
  });

  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  // The hub brokers identities; it keeps no password of its own. Every authorization request goes
  // to the national scheme again, translated to that scheme's vocabulary, so the acr of each ID
  // token describes a login made for that request (no silent reuse of an older, weaker login).
  login.checks.add(
    new interactionPolicy.Check(
      'upstream_login_required',
      'A national identity login is needed for this request',
      (ctx) => !ctx.oidc.result?.['login'],
    ),
    0,
  );

  const configuration: Configuration = {
    adapter: Adapter,
    jwks: { keys: o.signingKeys as Configuration['jwks'] extends { keys: infer K } ? K : never },
    cookies: {
      keys: o.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax', secure: o.secureCookies },
      short: { signed: true, httpOnly: true, sameSite: 'lax', secure: o.secureCookies },
    },
    clientAuthMethods: ['private_key_jwt'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      id_token_signed_response_alg: 'ES256',
      subject_type: 'pairwise',
    },
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      createHash('sha256')
        .update(
          `${pairwiseSector(client.sectorIdentifier as string | undefined, client.clientId)}\0${accountId}\0${o.pairwiseSalt}`,
        )
        .digest('base64url'),
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: Object.keys(SCOPE_CLAIMS),
    claims: {
      // acr, amr and auth_time belong to every ID token (conformIdTokenClaims masks the ID token to
      // the openid scope), not only when the client names them in the claims parameter. So does
      // govbridge_withheld (docs/policy.md): what the release policy withheld, and which policy did.
      openid: ['sub', 'acr', 'amr', 'auth_time', WITHHELD_CLAIM],
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      ...Object.fromEntries((o.claimsByNameOnly ?? []).map((c) => [c, null])),
      ...Object.fromEntries(Object.entries(SCOPE_CLAIMS).filter(([s]) => s !== 'openid')),
    },
    acrValues: o.acrValues,
    extraParams: ['idp_hint'],
    extraClientMetadata: {
      properties: [...GOVBRIDGE_METADATA],
      validator(_ctx, key, value, metadata) {
        const problem = o.clients.validateField(key, value);
        if (problem) throw new errors.InvalidClientMetadata(problem);
        if (key === 'govbridge_security_profile') {
          const redirect = o.clients.redirectProblem({ ...metadata, govbridge_security_profile: value });
          if (redirect) throw new errors.InvalidRedirectUri(redirect);
        }
      },
    },
    allowOmittingSingleRegisteredRedirectUri: false,
    conformIdTokenClaims: true,
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'PS256'],
      idTokenSigningAlgValues: ['ES256'],
      requestObjectSigningAlgValues: ['ES256', 'PS256'],
      userinfoSigningAlgValues: ['ES256'],
      authorizationSigningAlgValues: ['ES256'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA'],
    },
    routes: {
      authorization: '/authorize',
      pushed_authorization_request: '/par',
      token: '/token',
      userinfo: '/userinfo',
      jwks: '/jwks',
      registration: '/register',
      end_session: '/logout',
      revocation: '/token/revocation',
      introspection: '/token/introspection',
    },
    ttl: {
      AuthorizationCode: FAPI_CODE_TTL_SECONDS,
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      IdToken: ACCESS_TOKEN_TTL_SECONDS,
      Interaction: 30 * 60,
      Session: 8 * 60 * 60,
      Grant: 60 * 60,
      PushedAuthorizationRequest: 60,
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      dPoP: { enabled: true },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      claimsParameter: { enabled: true },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      registration: {
        enabled: o.initialAccessToken !== undefined,
        ...(o.initialAccessToken ? { initialAccessToken: o.initialAccessToken } : {}),
        // Client ids in the hub's identifier alphabet, never beginning with `-` or `_` (src/kernel/ids.ts).
        idFactory: () => mintClientId(),
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = o.renderLogoutPage(form, ctx.oidc.client?.clientName, countryOf(ctx.oidc.client));
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = o.renderLoggedOutPage(ctx.oidc.client?.clientName, countryOf(ctx.oidc.client));
        },
      },
      fapi: {
        enabled: true,
        profile: (_ctx: KoaContextWithOIDC, client) =>
          client && client.metadata()['govbridge_security_profile'] !== 'oidc' ? '2.0' : undefined,
      },
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    findAccount,
    renderError: async (ctx, out, error) => {
      const status = 'status' in error && typeof error.status === 'number' ? error.status : 400;
      ctx.type = 'html';
      if (status === 503 || isDatabaseUnavailable(error)) {
        // The database is unavailable (adapter.ts): the GOV.UK "service unavailable" page, 503.
        ctx.status = 503;
        ctx.body = o.renderErrorPage(
          503,
          'Sorry, the service is unavailable',
          'You will be able to use the service again in a few minutes. Go back to the service you came from and try again.',
          countryOf(ctx.oidc?.client),
        );
        return;
      }
      ctx.body = o.renderErrorPage(
        status,
        status >= 500
          ? 'Sorry, there is a problem with the service'
          : 'There is a problem with this sign-in request',
        status >= 500
          ? 'Try again later.'
          : `The service that sent you here made a request we cannot accept (${out.error}: ${out.error_description ?? ''}). Go back to the service and try again.`,
        countryOf(ctx.oidc?.client),
      );
    },
  };

  const provider = new Provider(o.issuer, configuration);
  // Requests reach the provider only through the hub's own routing; the hub knows its public URL.
  provider.proxy = true;
  provider.use(async (ctx, next) => {
    await next();
    // A browser with no hub session that reaches the logout endpoint gets oidc-provider's own
    // auto-submitting form_post page (an inline script, no language, no GOV.UK layout). Ask the
    // person instead, on the same page as a signed-in logout: no script, one button.
    if (
      ctx.oidc?.route === 'end_session' &&
      typeof ctx.body === 'string' &&
      ctx.body.includes('<title>Submitting Callback</title>')
    ) {
      const secret = ctx.oidc.session?.state?.['secret'];
      if (typeof secret === 'string') {
        const action = ctx.oidc.urlFor('end_session_confirm');
        const form = `<form id="op.logoutForm" method="post" action="${escapeAttribute(action)}"><input type="hidden" name="xsrf" value="${escapeAttribute(secret)}"/></form>`;
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = o.renderLogoutPage(form, ctx.oidc.client?.clientName, countryOf(ctx.oidc.client));
      }
    }
    // One browser, two people: the login that just finished is another identity's than this
    // browser's hub session. oidc-provider ends the other session first through the same inline-
    // script page; the hub asks with a button instead (state and secret are the ones it just set).
    if (
      ctx.oidc?.route === 'resume' &&
      typeof ctx.body === 'string' &&
      ctx.body.includes('<title>Submitting Callback</title>')
    ) {
      const state = ctx.oidc.session?.state;
      const secret = state?.['secret'];
      if (typeof secret === 'string') {
        // The pending interaction names the other identity's grant for this service (when it had
        // one); ending that session revokes the grant and everything stored under it. The login
        // carries on with the grant made for it, so the interaction no longer points at the old one.
        const interaction = ctx.oidc.entities.Interaction;
        if (interaction?.grantId) {
          delete interaction.grantId;
          await interaction.save(Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000)));
        }
        const clientId = state?.['clientId'];
        const client =
          typeof clientId === 'string' ? await ctx.oidc.provider.Client.find(clientId) : undefined;
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = o.renderSwitchIdentityPage(
          ctx.oidc.urlFor('end_session_confirm'),
          secret,
          client?.clientName,
          countryOf(client),
        );
      }
    }
    // Any other oidc-provider form_post page (an authorization response or error to a service in
    // `response_mode=form_post`): the same form, on the hub's page, with a button.
    if (typeof ctx.body === 'string' && ctx.body.includes('<title>Submitting Callback</title>')) {
      const form = parseProviderFormPost(ctx.body);
      ctx.type = 'html';
      if (form) {
        ctx.body = o.renderFormPostPage(
          form.action,
          form.fields,
          ctx.oidc?.client?.clientName,
          countryOf(ctx.oidc?.client),
        );
      } else {
        // oidc-provider changed its markup: say so loudly rather than leave a blank page.
        ctx.status = 500;
        ctx.body = o.renderErrorPage(
          500,
          'Sorry, there is a problem with the service',
          'Try again later.',
          countryOf(ctx.oidc?.client),
        );
      }
    }
    if (
      o.onLogout &&
      ctx.oidc?.route === 'end_session_confirm' &&
      ctx.status === 303 &&
      ctx.oidc.params?.['logout']
    ) {
      await o.onLogout(ctx.req, ctx.res);
    }
    if (ctx.response.is('html')) {
      for (const [name, value] of Object.entries(o.htmlSecurityHeaders)) ctx.set(name, value);
    }
  });
  // Writes a request left waiting for an artefact it never wrote (adapter.ts: replay records,
  // consumptions, destructions) go in before its response leaves: a refused request's proof cannot
  // be used again either.
  provider.use(async (ctx, next) => {
    await next();
    await settlePendingWrites(o.storage, ctx);
  });
  return provider;
}

/**
 * Signing out of the hub's own pages: end this browser's OP session too (the identity oidc-provider
 * remembers for it), so the hub no longer holds anyone as signed in on this browser. The services'
 * grants are left alone: each service signs out through its own RP-initiated logout. The session
 * gives no sign-in by itself either way (every login goes to the national scheme, ADR 4).
 */
export async function endProviderSession(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  // Session.get reads and verifies the signed session cookie from a bare { req, res } context.
  const session = await provider.Session.get({ req, res } as unknown as KoaContextWithOIDC);
  if (!session.accountId) return false;
  await session.destroy();
  return true;
}

/**
 * The sector a pairwise `sub` is computed for (OIDC Core §8.1): the host of the redirect URIs (or of
 * the sector_identifier_uri). A host that names no one — empty (a native app's custom scheme) or
 * loopback, shared by every native app on every device — would give unrelated services the same
 * `sub`; those clients get a sector of their own, their client id.
 */
export function pairwiseSector(sectorIdentifier: string | undefined, clientId: string): string {
  const host = (sectorIdentifier ?? '').toLowerCase();
  if (host === '' || host === 'localhost' || host === '[::1]' || /^127\./.test(host))
    return `client:${clientId}`;
  return host;
}

/**
 * The form of oidc-provider's form_post page (lib/response_modes/form_post.js): the action and the
 * hidden inputs, unescaped (it escapes with lib/helpers/html_safe.js). Undefined when the markup is
 * not the one this was written for (test/protocol/form-post.test.ts notices a change).
 */
export function parseProviderFormPost(
  html: string,
): { action: string; fields: Record<string, string> } | undefined {
  const form = /<form method="post" action="([^"]*)">/.exec(html);
  if (!form) return undefined;
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g)) {
    fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  }
  if (Object.keys(fields).length === 0) return undefined;
  return { action: unescapeHtml(form[1]!), fields };
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Keep only claims the granted scopes or the `claims` parameter ask for (less any the grant
 * rejected); `verified_claims.claims` likewise. The withheld list names only claims the service
 * asked for, so it goes with the openid scope.
 */
function filterReleasedClaims(
  released: Record<string, unknown>,
  scope: string,
  askedByName: readonly string[],
  rejected: readonly string[] = [],
): Record<string, unknown> {
  const allowed = new Set(
    [...scope.split(' ').flatMap((s) => SCOPE_CLAIMS[s] ?? []), ...askedByName].filter(
      (c) => c !== 'verified_claims' && !rejected.includes(c),
    ),
  );
  allowed.add(WITHHELD_CLAIM);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(released)) {
    if (allowed.has(k)) out[k] = v;
  }
  const vc = released['verified_claims'] as
    | { verification?: unknown; claims?: Record<string, unknown> }
    | undefined;
  if (vc?.claims) {
    const claims = Object.fromEntries(Object.entries(vc.claims).filter(([k]) => allowed.has(k)));
    if (Object.keys(claims).length > 0) out['verified_claims'] = { verification: vc.verification, claims };
  }
  return out;
}
