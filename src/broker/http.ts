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

export const providerRoutes: FastifyPluginAsync<{ provider: Provider }> = async (
  app: FastifyInstance,
  { provider },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  const callback = provider.callback();
  for (const url of OP_PATHS) {
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      url,
      handler: (req, reply) => {
        reply.hijack();
        callback(req.raw, reply.raw);
      },
    });
  }
};
