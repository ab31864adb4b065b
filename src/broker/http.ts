import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type Provider from 'oidc-provider';
import { classifyDatabaseError, isDatabaseUnavailable } from '../storage/index.ts';
import { DB_UNAVAILABLE_STATE, OIDC_RETRY_AFTER_SECONDS } from './adapter.ts';

/**
 * Mount oidc-provider (a Koa application) on the hub's Fastify server at the issuer root.
 *
 * Only the provider's own paths are routed to it. The plugin is encapsulated and removes every
 * body parser, so oidc-provider reads request bodies itself (it needs the raw stream for
 * form-encoded PAR/token requests and its own size limits), and the reply is hijacked so Fastify
 * does not touch what the provider writes.
 */
export const OP_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/jwks',
  '/authorize',
  '/authorize/:uid',
  '/par',
  '/token',
  '/userinfo',
  '/register',
  '/register/:clientId',
  '/logout',
  '/logout/confirm',
  '/logout/success',
  '/token/revocation',
  '/token/introspection',
] as const;

export const providerRoutes: FastifyPluginAsync<{ provider: Provider; issuer: string }> = async (
  app: FastifyInstance,
  { provider, issuer },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  handleDatabaseOutages(app, provider);
  const callback = provider.callback();
  // oidc-provider builds every URL it advertises or checks (discovery endpoints, the expected `aud`
  // of client assertions, DPoP `htu`) from the request's host, honouring X-Forwarded-* when
  // `proxy` is on. Never let a caller choose them: every process answers for the configured issuer,
  // whatever reached it (OIDC Discovery §4.3; RFC 7523 §3; RFC 9449 §4.3).
  const { host, protocol } = new URL(issuer);
  const proto = protocol.replace(':', '');
  for (const url of OP_PATHS) {
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      url,
      handler: (req, reply) => {
        req.raw.headers['x-forwarded-host'] = host;
        req.raw.headers['x-forwarded-proto'] = proto;
        delete req.raw.headers['forwarded'];
        reply.hijack();
        callback(req.raw, reply.raw);
      },
    });
  }
};

/**
 * While the database is unavailable the OAuth endpoints answer 503 with `Retry-After`, never 500.
 *
 * The adapter (adapter.ts) turns a database outage into an exposed `temporarily_unavailable` 503,
 * which oidc-provider writes itself. Database calls outside the adapter (account claims, grants)
 * reach oidc-provider as unknown errors and come out as `server_error` 500; those are recognised
 * here (oidc-provider's 'server_error' event carries the error) and rewritten to the same 503 JSON.
 * Either way one warn line with the stable code and the driver's code is logged per request.
 */
function handleDatabaseOutages(app: FastifyInstance, provider: Provider): void {
  provider.on('server_error', (ctx, err) => {
    if (isDatabaseUnavailable(err)) {
      ctx.state[DB_UNAVAILABLE_STATE] = classifyDatabaseError(err)?.driverCode ?? 'unknown';
    }
  });
  provider.use(async (ctx, next) => {
    await next();
    const dbError = ctx.state[DB_UNAVAILABLE_STATE] as string | undefined;
    if (dbError === undefined) return;
    if (
      ctx.status === 500 &&
      !ctx.response.is('html') &&
      (ctx.body as { error?: unknown })?.error === 'server_error'
    ) {
      ctx.status = 503;
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: 'the service is temporarily unavailable, try again shortly',
      };
    }
    if (ctx.status === 503) ctx.set('Retry-After', String(OIDC_RETRY_AFTER_SECONDS));
    app.log.warn(
      { errorCode: 'database_unavailable', dbError, route: ctx.oidc?.route, statusCode: ctx.status },
      'database unavailable',
    );
  });
}
