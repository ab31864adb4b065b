import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginService, UpstreamResult, VerifiedAttributes } from '../../broker/index.ts';
import type { Config } from '../../config/index.ts';
import { countryName } from '../../i18n/index.ts';
import { GovbridgeError, isGovbridgeError } from '../../kernel/index.ts';
import { attributeCatalogue, type SchemeId, type TrustFramework } from '../../trust/index.ts';
import { bindingCookieName, setAccountCookie } from '../account/account-cookie.ts';
import { safeReturnPath } from '../account/account-routes.ts';
import { decideDesign } from '../design.ts';
import { verifyCsrf } from '../security.ts';
import { claimLabel, displayClaim, SCHEME_COUNTRY, SCHEME_NAMES } from './display.ts';

/**
 * The person's side of a relying party's login:
 *   GET  /interaction/:uid                    chooser (or straight on with idp_hint)
 *   POST /interaction/:uid/scheme             chosen scheme → national login
 *   GET  /interaction/:uid/start/:scheme      retry after an outage
 *   POST /interaction/:uid/cancel             back to the service with access_denied
 *   GET  /callback/:scheme                    the national scheme's redirect (fixed URL registered with it)
 *   GET  /interaction/:uid/callback/:scheme   the same, on the interaction's path where its cookie is sent
 *   GET  /interaction/:uid/consent            what will be shared, with whom, why
 *   POST /interaction/:uid/consent            agree / decline
 */
export interface SignInRoutesOptions {
  login: LoginService;
  trust: TrustFramework;
  config: Config;
  /**
   * An account sign-in that asked for attributes for a journey (the citizen agreed on the journey
   * page) came back: record the consent and keep them. False when the journey is not this account's.
   */
  onVerified?: (input: {
    accountId: string;
    scheme: SchemeId;
    journeyId: string;
    verified: VerifiedAttributes;
  }) => Promise<boolean>;
}

const SCHEMES: readonly SchemeId[] = ['singpass', 'onelogin'];
const uidParam = {
  type: 'object',
  properties: { uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
};
const schemeParams = {
  type: 'object',
  properties: {
    uid: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    scheme: { type: 'string', enum: [...SCHEMES] },
  },
  required: ['scheme'],
};

export async function registerSignInRoutes(app: FastifyInstance, o: SignInRoutesOptions): Promise<void> {
  const { login } = o;
  const catalogue = attributeCatalogue(o.trust);
  const raw = (req: FastifyRequest, reply: FastifyReply) => [req.raw, reply.raw] as const;
  const redirect = (reply: FastifyReply, url: string) =>
    reply.code(303).header('cache-control', 'no-store').redirect(url, 303);

  app.get<{ Params: { uid: string } }>(
    '/interaction/:uid',
    { schema: { params: uidParam } },
    async (req, reply) => {
      let view: Awaited<ReturnType<LoginService['describe']>>;
      try {
        view = await login.describe(...raw(req, reply));
        req.useLanguagesOf({ country: view.client.country, uiLocales: view.uiLocales });
        req.design = decideDesign({ clientCountry: view.client.country });
      } catch (err) {
        // A bad idp_hint is the relying party's mistake: end its request with the OIDC error.
        if (isGovbridgeError(err) && err.code === 'invalid_request') {
          return redirect(reply, await login.abort(req.raw, reply.raw, err));
        }
        throw err;
      }
      if (view.idpHint) {
        return redirect(reply, await startOrExplain(login, req, reply, view.idpHint, view.uid));
      }
      return reply.view('sign-in/choose-scheme.njk', chooserContext(view, req));
    },
  );

  app.post<{ Params: { uid: string }; Body: { scheme?: string } }>(
    '/interaction/:uid/scheme',
    { schema: { params: uidParam }, preHandler: verifyCsrf },
    async (req, reply) => {
      const view = await login.describe(...raw(req, reply));
      req.useLanguagesOf({ country: view.client.country, uiLocales: view.uiLocales });
      req.design = decideDesign({ clientCountry: view.client.country });
      const scheme = req.body?.scheme;
      if (scheme !== 'singpass' && scheme !== 'onelogin') {
        return reply.code(400).view('sign-in/choose-scheme.njk', {
          ...chooserContext(view, req),
          errorList: [{ text: req.t('signIn.chooser.error'), href: '#scheme' }],
          schemeError: req.t('signIn.chooser.error'),
          // The switcher goes to the chooser itself (this page answers a post).
          languageSwitchPath: `/interaction/${view.uid}`,
        });
      }
      return redirect(reply, await startOrExplain(login, req, reply, scheme, view.uid));
    },
  );

  app.get<{ Params: { uid: string; scheme: SchemeId } }>(
    '/interaction/:uid/start/:scheme',
    { schema: { params: schemeParams } },
    async (req, reply) => {
      try {
        return redirect(reply, await startOrExplain(login, req, reply, req.params.scheme, req.params.uid));
      } catch (err) {
        await rememberDesign(login, req, reply);
        throw err;
      }
    },
  );

  app.post<{ Params: { uid: string } }>(
    '/interaction/:uid/cancel',
    { schema: { params: uidParam }, preHandler: verifyCsrf },
    async (req, reply) => {
      const url = await login.abort(
        ...raw(req, reply),
        new GovbridgeError('access_denied', 'The citizen cancelled the sign-in at the hub', {
          detail: { check: 'citizen_cancelled' },
        }),
      );
      return redirect(reply, url);
    },
  );

  // The scheme redirects here (one fixed URL registered with it). The interaction cookie is scoped
  // to /interaction/<uid>, so hop there with the same query: the binding check needs that cookie.
  app.get<{ Params: { scheme: SchemeId } }>(
    '/callback/:scheme',
    { schema: { params: schemeParams } },
    async (req, reply) => {
      const params = new URLSearchParams(req.url.split('?')[1] ?? '');
      const target = await login.routeCallback(req.params.scheme, params);
      if (target.kind === 'interaction') {
        return redirect(
          reply,
          `/interaction/${target.uid}/callback/${req.params.scheme}?${params.toString()}`,
        );
      }
      const bindingRaw = req.cookies[bindingCookieName(o.config)];
      const unsigned = bindingRaw ? req.unsignCookie(bindingRaw) : undefined;
      const [binding, returnTo, journeyId] =
        unsigned?.valid && unsigned.value ? unsigned.value.split('|') : [];
      const outcome = await login.callback(
        ...raw(req, reply),
        req.params.scheme,
        params,
        binding || undefined,
      );
      if (outcome.kind !== 'account') throw new GovbridgeError('bad_request', 'Unexpected sign-in response');
      reply.clearCookie(bindingCookieName(o.config), { path: '/' });
      if (outcome.verified && journeyId && o.onVerified) {
        const kept = await o.onVerified({
          accountId: outcome.accountId,
          scheme: req.params.scheme,
          journeyId,
          verified: outcome.verified,
        });
        if (!kept) {
          throw new GovbridgeError(
            'bad_request',
            `You proved your identity with an account that does not have this journey. Use the same service you signed in with (${SCHEME_NAMES[req.params.scheme] ?? req.params.scheme} is a different account), or start the journey again.`,
          );
        }
      }
      await setAccountCookie(req, reply, o.config, outcome.accountId);
      return redirect(reply, safeReturnPath(returnTo) ?? '/account/consents');
    },
  );

  app.get<{ Params: { uid: string; scheme: SchemeId } }>(
    '/interaction/:uid/callback/:scheme',
    { schema: { params: schemeParams } },
    async (req, reply) => {
      const params = new URLSearchParams(req.url.split('?')[1] ?? '');
      try {
        const outcome = await login.callback(...raw(req, reply), req.params.scheme, params);
        if (outcome.kind === 'account')
          throw new GovbridgeError('bad_request', 'Unexpected sign-in response');
        if (outcome.kind === 'consent') {
          await setAccountCookie(req, reply, o.config, outcome.result.accountId);
          return redirect(reply, `/interaction/${outcome.uid}/consent`);
        }
        if (outcome.accountId) await setAccountCookie(req, reply, o.config, outcome.accountId);
        return redirect(reply, outcome.url);
      } catch (err) {
        await rememberDesign(login, req, reply);
        throw withRetry(err, req.params.uid, req.params.scheme);
      }
    },
  );

  app.get<{ Params: { uid: string } }>(
    '/interaction/:uid/consent',
    { schema: { params: uidParam } },
    async (req, reply) => {
      const pending = await login.pendingResult(...raw(req, reply));
      req.useLanguagesOf({ country: pending.client.country, uiLocales: pending.uiLocales });
      req.design = decideDesign({ clientCountry: pending.client.country });
      return reply.view('sign-in/consent.njk', consentContext(pending, catalogue, req));
    },
  );

  app.post<{ Params: { uid: string }; Body: { decision?: string } }>(
    '/interaction/:uid/consent',
    { schema: { params: uidParam }, preHandler: verifyCsrf },
    async (req, reply) => {
      const decision = req.body?.decision;
      if (decision !== 'agree' && decision !== 'decline') {
        const pending = await login.pendingResult(...raw(req, reply));
        req.useLanguagesOf({ country: pending.client.country, uiLocales: pending.uiLocales });
        req.design = decideDesign({ clientCountry: pending.client.country });
        return reply.code(400).view('sign-in/consent.njk', {
          ...consentContext(pending, catalogue, req),
          errorList: [{ text: req.t('signIn.consent.error'), href: '#decision' }],
        });
      }
      try {
        return redirect(reply, await login.decide(...raw(req, reply), decision === 'agree'));
      } catch (err) {
        await rememberDesign(login, req, reply);
        throw err;
      }
    },
  );
}

/**
 * A step of a login failed before its route learnt the relying party (retrying the national login,
 * the scheme's callback): find it from the interaction, if there still is one, so the error page
 * wears the relying party's design. Best effort: an interaction that has gone leaves the default.
 */
async function rememberDesign(login: LoginService, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.design) return;
  try {
    const view = await login.describe(req.raw, reply.raw);
    req.useLanguagesOf({ country: view.client.country, uiLocales: view.uiLocales });
    req.design = decideDesign({ clientCountry: view.client.country });
  } catch {
    // No interaction (expired, finished, not this browser's): the error page keeps the default design.
  }
}

async function startOrExplain(
  login: LoginService,
  req: FastifyRequest,
  reply: FastifyReply,
  scheme: SchemeId,
  uid: string,
): Promise<string> {
  try {
    // Ends the relying party's request itself when the request cannot be served (a level the
    // scheme can never reach, a bad parameter, the scheme refusing the hub's PAR with a 4xx).
    return await login.start(req.raw, reply.raw, scheme);
  } catch (err) {
    // The scheme's discovery or keys are broken or garbled (a key rollover, a wrong issuer, an
    // outage): not the person's doing and maybe passing — a page with a way to retry.
    if (isGovbridgeError(err) && err.code === 'upstream_invalid_response') {
      throw withRetry(
        new GovbridgeError('upstream_unavailable', err.message, { cause: err, expose: false }),
        uid,
        scheme,
      );
    }
    throw withRetry(err, uid, scheme);
  }
}

function withRetry(err: unknown, uid: string, scheme: SchemeId): unknown {
  if (isGovbridgeError(err) && (err.code === 'upstream_timeout' || err.code === 'upstream_unavailable')) {
    return new GovbridgeError(
      err.code,
      `${SCHEME_NAMES[scheme]} is not responding at the moment. You can try again now, or go back to the service and try later.`,
      { cause: err, expose: true, detail: { retryUrl: `/interaction/${uid}/start/${scheme}` } },
    );
  }
  return err;
}

/** A country in running text ("the United Kingdom", "y Deyrnas Unedig"), in the request's language. */
function countryInText(req: FastifyRequest, code: string): string {
  return req.t('country.name', { code, name: countryName(code, req.locale) });
}

function chooserContext(view: Awaited<ReturnType<LoginService['describe']>>, req: FastifyRequest) {
  return {
    pageTitle: req.t('signIn.chooser.title'),
    uid: view.uid,
    rpName: view.client.name,
    agency: view.client.agency,
    country: countryInText(req, view.client.country),
    schemes: view.schemes.map((s) => ({
      value: s,
      text: SCHEME_NAMES[s],
      hint: req.t(s === 'singpass' ? 'signIn.chooser.singpassHint' : 'signIn.chooser.oneloginHint'),
    })),
    unreachable: view.schemes.length === 0,
  };
}

function consentContext(
  pending: {
    uid: string;
    client: { name: string; agency: string; country: string; purpose: string };
    result: UpstreamResult;
  },
  catalogue: ReturnType<typeof attributeCatalogue>,
  req: FastifyRequest,
) {
  const { client, result } = pending;
  const from = SCHEME_COUNTRY[result.scheme] ?? '';
  const { t, locale } = req;
  const label = (claim: string) => claimLabel(claim, catalogue[claim]?.description, t);
  return {
    pageTitle: t(
      result.attributes.length > 0 ? 'signIn.consent.titleShare' : 'signIn.consent.titleContinue',
      { rpName: client.name },
    ),
    uid: pending.uid,
    rpName: client.name,
    agency: client.agency,
    serviceCountry: countryInText(req, client.country),
    serviceCode: client.country,
    serviceCountryName: countryName(client.country, locale),
    purpose: client.purpose,
    schemeName: SCHEME_NAMES[result.scheme],
    crossBorder: from !== client.country,
    fromCode: from,
    fromCountryName: countryName(from, locale),
    attributes: result.attributes.map((a) => ({
      name: a,
      label: label(a),
      value: displayClaim(result.claims[a], a, { locale, t }),
    })),
    // What the relying party asked for that this scheme cannot provide here (not asked for upstream).
    unavailable: (result.unavailable ?? []).map((a) => ({
      name: a,
      label: label(a),
    })),
    // What the release policy withheld, and why (never the values: they are not kept).
    withheld: (result.withheld ?? []).map((w) => ({
      name: w.attribute,
      label: label(w.attribute),
      reason: w.reason,
      policies: w.policies.join(', '),
    })),
  };
}
