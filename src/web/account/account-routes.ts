import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ClientRegistry, LoginService } from '../../broker/index.ts';
import type { Config } from '../../config/index.ts';
import type { ConsentService } from '../../consent/index.ts';
import { randomId } from '../../kernel/index.ts';
import { LIFE_EVENTS_CLIENT_ID } from '../../life-events/index.ts';
import { attributeCatalogue, type TrustFramework } from '../../trust/index.ts';
import { hubCookieOptions, verifyCsrf } from '../security.ts';
import { COUNTRY_NAMES, claimLabel, SCHEME_NAMES } from '../sign-in/display.ts';
import { accountFromCookie, bindingCookieName, endAccountSession } from './account-cookie.ts';

/**
 * The citizen's own pages:
 *   GET  /account/consents                      list (or a sign-in choice when not signed in)
 *   POST /account/sign-in                       sign in with Singpass or One Login
 *   POST /account/consents/:consentId/withdraw  withdraw one consent (ConsentService.withdraw)
 *   POST /account/sign-out
 */
export interface AccountRoutesOptions {
  config: Config;
  login: LoginService;
  consents: ConsentService;
  clients: ClientRegistry;
  trust: TrustFramework;
  schemes: readonly string[];
  /** Signing out also ends this browser's OpenID Provider session (broker's `endProviderSession`). */
  endProviderSession?: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;
}

/**
 * Where to go after signing in: only a same-origin path under the hub's own citizen pages. Anything
 * else (another origin, `//host`, a backslash trick, a scheme) is ignored (no open redirect).
 */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 200 || value.includes('..')) return undefined;
  if (!/^\/(life-events|account)(\/[A-Za-z0-9._~/-]*)?(\?[A-Za-z0-9=&._~-]*)?$/.test(value)) return undefined;
  return value;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});

export async function registerAccountRoutes(app: FastifyInstance, o: AccountRoutesOptions): Promise<void> {
  const catalogue = attributeCatalogue(o.trust);

  app.get<{ Querystring: { withdrawn?: string; return?: string } }>(
    '/account/consents',
    async (req, reply) => {
      const accountId = await accountFromCookie(req, o.config);
      const returnTo = safeReturnPath(req.query.return);
      if (accountId && returnTo) return reply.redirect(returnTo, 303);
      if (!accountId) {
        return reply.view('account/sign-in.njk', {
          pageTitle: returnTo ? 'Sign in to continue' : 'Sign in to see your consents',
          navActive: 'consents',
          returnTo,
          schemes: o.schemes.map((s) => ({ value: s, text: SCHEME_NAMES[s] ?? s })),
        });
      }
      const consents = await o.consents.list(accountId);
      const rows = [];
      for (const c of consents) {
        const client = await o.clients.get(c.clientId);
        // The hub's own use (verified details on life-event journeys) is not a registered client.
        const own = !client && c.clientId === LIFE_EVENTS_CLIENT_ID;
        rows.push({
          consentId: c.consentId,
          service: client?.name ?? (own ? 'Life events on govbridge' : c.clientId),
          agency: client?.agency ?? (own ? 'govbridge' : ''),
          country: client ? (COUNTRY_NAMES[client.country] ?? client.country) : own ? 'this hub' : '',
          purpose: c.purpose,
          attributes: c.attributes.map((a) => claimLabel(a, catalogue[a]?.description)).join(', '),
          grantedAt: dateFormat.format(c.grantedAt),
          withdrawnAt: c.withdrawnAt ? dateFormat.format(c.withdrawnAt) : undefined,
          active: c.withdrawnAt === null,
        });
      }
      return reply.view('account/consents.njk', {
        pageTitle: 'Your consents',
        navActive: 'consents',
        consents: rows,
        withdrawn: req.query.withdrawn === '1',
      });
    },
  );

  app.post<{ Body: { scheme?: string; returnTo?: string } }>(
    '/account/sign-in',
    { preHandler: verifyCsrf, config: { formPage: '/account/consents' } },
    async (req, reply) => {
      const scheme = req.body?.scheme;
      if (scheme !== 'singpass' && scheme !== 'onelogin') {
        return reply.code(400).view('account/sign-in.njk', {
          pageTitle: 'Sign in to see your consents',
          navActive: 'consents',
          returnTo: safeReturnPath(req.body?.returnTo),
          schemes: o.schemes.map((s) => ({ value: s, text: SCHEME_NAMES[s] ?? s })),
          errorList: [{ text: 'Select how you want to sign in', href: '#scheme' }],
          schemeError: 'Select how you want to sign in',
        });
      }
      const binding = randomId();
      // The return path travels with the browser binding (signed), never through the national scheme.
      const returnTo = safeReturnPath(req.body?.returnTo) ?? '';
      reply.setCookie(bindingCookieName(o.config), `${binding}|${returnTo}`, {
        ...hubCookieOptions(o.config),
        maxAge: 600,
      });
      const url = await o.login.startAccountSignIn(scheme, binding);
      return reply.redirect(url, 303);
    },
  );

  app.post<{ Params: { consentId: string } }>(
    '/account/consents/:consentId/withdraw',
    {
      preHandler: verifyCsrf,
      config: { formPage: '/account/consents' },
      schema: { params: { type: 'object', properties: { consentId: { type: 'string', format: 'uuid' } } } },
    },
    async (req, reply) => {
      const accountId = await accountFromCookie(req, o.config);
      if (!accountId) return reply.redirect('/account/consents', 303);
      // One operation (src/consent): the consent, the grants and tokens given under it and the
      // details kept under it go in one commit; logs and metrics follow from `consent.withdrawn`.
      await o.consents.withdraw(accountId, req.params.consentId);
      return reply.redirect('/account/consents?withdrawn=1', 303);
    },
  );

  app.post(
    '/account/sign-out',
    { preHandler: verifyCsrf, config: { formPage: '/account/consents' } },
    async (req, reply) => {
      // Ends the session on the server: a copy of the cookie is refused from now on. And the OP's
      // session of this browser: no one is left signed in to govbridge here.
      await endAccountSession(req, reply, o.config);
      await o.endProviderSession?.(req.raw, reply.raw);
      return reply.redirect('/', 303);
    },
  );
}
