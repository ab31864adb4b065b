import { timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { randomId } from '../kernel/index.ts';
import { claimLabel, claimRows, withheldRows } from './claims-table.ts';
import type { HubClient } from './hub-client.ts';
import { describeProblem, logFields, type ProblemCode, problemFromClientError } from './problems.ts';
import type { DemoUrls } from './registration.ts';
import type { DemoSession, SessionCookie, SignedInSession } from './session-cookie.ts';
import type { DemoDefinition, GovbridgeAcr } from './types.ts';
import type { Views } from './views.ts';

/**
 * One demo relying party as a Fastify plugin (mounted at its `routePrefix`): the same code runs every
 * demo, parameterised by its `DemoDefinition`.
 *
 *   GET  /            start page
 *   GET  /sign-in     PAR at the hub, then redirect to its authorization endpoint
 *   GET  /callback    check the response, redeem the code, fetch userinfo, redirect to /result
 *   GET  /result      the claims received, what the hub withheld, acr and amr, and a sign-out form
 *   POST /sign-out    RP-initiated logout at the hub
 *   GET  /signed-out  where the hub sends the browser back after logout
 *
 * State lives only in the encrypted session cookie (see `session-cookie.ts`).
 */
export interface RelyingPartyOptions {
  readonly definition: DemoDefinition;
  readonly urls: DemoUrls;
  readonly hub: HubClient;
  readonly cookie: SessionCookie;
  readonly views: Views;
}

/** The hub's assurance levels in order; a result below the one asked for is refused. */
const ACR_ORDER: readonly GovbridgeAcr[] = [
  'urn:govbridge:loa:low',
  'urn:govbridge:loa:substantial',
  'urn:govbridge:loa:high',
];

/** `login_hint` is passed through for headless runs (simulator persona ids); anything else is dropped. */
const LOGIN_HINT = /^[A-Za-z0-9._:@+-]{1,64}$/;

export function relyingPartyPlugin(options: RelyingPartyOptions): FastifyPluginAsync {
  const { definition, urls, hub, cookie, views } = options;
  const page = { ...definition, basePath: urls.basePath };

  const render = (reply: FastifyReply, template: string, context: Record<string, unknown>, status = 200) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(views.render(template, { demo: page, ...context }));

  const renderProblem = (reply: FastifyReply, code: ProblemCode) => {
    const problem = describeProblem(code, definition.schemeName);
    const retryHref = code === 'csrf_invalid' ? `${urls.basePath}/result` : `${urls.basePath}/sign-in`;
    return render(reply, 'problem.njk', { problem, retryHref }, problem.status);
  };

  const readSession = (request: FastifyRequest): Promise<DemoSession | undefined> =>
    cookie.open(request.cookies[cookie.name]);

  const writeSession = async (reply: FastifyReply, session: DemoSession): Promise<void> => {
    const { value, attributes } = await cookie.seal(session);
    reply.setCookie(cookie.name, value, attributes);
  };

  const clearSession = (reply: FastifyReply): void => {
    reply.clearCookie(cookie.name, cookie.clearAttributes());
  };

  const logProblem = (request: FastifyRequest, code: ProblemCode, err?: unknown): void => {
    // Only machine-readable codes: never tokens, codes, claims or the login hint.
    request.log.warn(
      { demo: definition.clientId, problem: code, ...logFields(err) },
      'demo sign-in did not complete',
    );
  };

  return async (app) => {
    // Reuse the hub's cookie and form parsers when it has them; otherwise register them for this
    // plugin only (it is encapsulated, so nothing leaks into the rest of the hub).
    if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);

    // Pages may carry personal data: never cached, never sent as a referrer.
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      return payload;
    });

    // Anything not handled on purpose: a programming error. The page says only "a problem"; the log
    // gets the message and stack (never `cause`, which for client errors can hold response bodies).
    app.setErrorHandler((err: unknown, request, reply) => {
      const status = isRecord(err) ? err['statusCode'] : undefined;
      const code: ProblemCode =
        typeof status === 'number' && status >= 400 && status < 500 ? 'bad_request' : 'server_error';
      const detail =
        err instanceof Error ? { errorName: err.name, message: err.message, stack: err.stack } : {};
      request.log.error({ demo: definition.clientId, problem: code, ...detail }, 'demo error');
      return renderProblem(reply, code);
    });

    app.get('/', async (_request, reply) => render(reply, 'start.njk', {}));

    // The query may carry a login hint, so the request itself is not logged at info level.
    app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
      '/sign-in',
      { logLevel: 'warn' },
      async (request, reply) => {
        const hint = request.query['login_hint'];
        const loginHint = typeof hint === 'string' && LOGIN_HINT.test(hint) ? hint : undefined;
        let begun: Awaited<ReturnType<HubClient['beginSignIn']>>;
        try {
          begun = await hub.beginSignIn({
            scopes: definition.scopes,
            acr: definition.acr,
            idpHint: definition.idpHint,
            loginHint,
          });
        } catch (err) {
          const code = problemFromClientError(err, 'sign-in');
          if (code === undefined) throw err;
          logProblem(request, code, err);
          return renderProblem(reply, code);
        }
        await writeSession(reply, { stage: 'authorizing', ...begun.pending });
        return reply.redirect(begun.authorizationUrl.href, 303);
      },
    );

    // The query carries the authorization code: not logged at info level either.
    app.get('/callback', { logLevel: 'warn' }, async (request, reply) => {
      const session = await readSession(request);
      if (session?.stage === 'signed-in') {
        // A reload of the callback after success: the code is spent; show what was received.
        return reply.redirect(`${urls.basePath}/result`, 303);
      }
      // The state, nonce and verifier are good for one response only, whatever it says.
      clearSession(reply);
      if (session === undefined) {
        logProblem(request, 'session_missing');
        return renderProblem(reply, 'session_missing');
      }

      const callbackUrl = new URL(urls.redirectUri);
      callbackUrl.search = new URL(request.url, 'http://callback.invalid').search;
      let completed: Awaited<ReturnType<HubClient['completeSignIn']>>;
      try {
        completed = await hub.completeSignIn(callbackUrl, session);
      } catch (err) {
        const code = problemFromClientError(err, 'callback');
        if (code === undefined) throw err;
        logProblem(request, code, err);
        return renderProblem(reply, code);
      }

      if (!meetsAssurance(completed.acr, definition.acr)) {
        logProblem(request, 'unmet_authentication_requirements');
        return renderProblem(reply, 'unmet_authentication_requirements');
      }

      const signedIn: SignedInSession = {
        stage: 'signed-in',
        idToken: completed.idToken,
        acr: completed.acr,
        amr: [...completed.amr],
        claims: claimRows(completed.claims),
        withheld: withheldRows(completed.claims),
        csrf: randomId(24),
      };
      await writeSession(reply, signedIn);
      return reply.redirect(`${urls.basePath}/result`, 303);
    });

    app.get('/result', async (request, reply) => {
      const session = await readSession(request);
      if (session?.stage !== 'signed-in') return reply.redirect(`${urls.basePath}/`, 303);
      return render(reply, 'result.njk', {
        rows: session.claims.map((row) => [
          { text: claimHeader(row.claim) },
          { text: row.value },
          { text: row.verifiedBy ?? 'Not stated by the hub' },
        ]),
        // Only the hub's identifier for this person (`sub`): no personal detail was shared.
        identifierOnly: session.claims.every((row) => row.claim === 'sub'),
        withheldRows: session.withheld.map((row) => [{ text: claimHeader(row.claim) }, { text: row.policy }]),
        acr: session.acr ?? 'Not stated',
        amr: session.amr.length > 0 ? session.amr.join(', ') : 'Not stated',
        csrf: session.csrf,
      });
    });

    app.post<{ Body: Record<string, unknown> | undefined }>('/sign-out', async (request, reply) => {
      const session = await readSession(request);
      if (session?.stage !== 'signed-in') {
        clearSession(reply);
        return reply.redirect(`${urls.basePath}/signed-out`, 303);
      }
      const sent = request.body?.['csrf'];
      if (typeof sent !== 'string' || !sameSecret(sent, session.csrf)) {
        logProblem(request, 'csrf_invalid');
        return renderProblem(reply, 'csrf_invalid');
      }
      clearSession(reply);
      let logout: URL | undefined;
      try {
        logout = await hub.endSessionUrl(session.idToken, urls.postLogoutRedirectUri);
      } catch (err) {
        // The demo's own session is gone either way; the hub's can be ended later.
        logProblem(request, 'hub_unavailable', err);
      }
      return reply.redirect(logout?.href ?? `${urls.basePath}/signed-out`, 303);
    });

    app.get('/signed-out', async (_request, reply) => {
      clearSession(reply);
      return render(reply, 'signed-out.njk', {});
    });
  };
}

/** "Date of birth (birthdate)", or the claim name alone when it has no label. */
function claimHeader(claim: string): string {
  const label = claimLabel(claim);
  return claim === label ? claim : `${label} (${claim})`;
}

function meetsAssurance(received: string | undefined, required: GovbridgeAcr): boolean {
  const have = ACR_ORDER.indexOf(received as GovbridgeAcr);
  return have !== -1 && have >= ACR_ORDER.indexOf(required);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
