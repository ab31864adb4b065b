import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type Provider from 'oidc-provider';

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
