import type { FastifyInstance } from 'fastify';
import { authorizeController } from './authorize-controller.ts';
import { createSimulatorContext } from './create-simulator-context.ts';
import { discoveryDocument } from './discovery-controller.ts';
import { loginController } from './login-controller.ts';
import { parController } from './par-controller.ts';
import { tokenController } from './token-controller.ts';
import type { SingpassProfile, SingpassSimulatorOptions } from './types.ts';
import { userinfoController } from './userinfo-controller.ts';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The Singpass simulator as an encapsulated Fastify plugin. Register it under the prefix whose
 * public URL is `options.baseUrl` (the hub uses `/simulators/singpass`). Never in production.
 *
 *   /fapi/...  FAPI 2.0 profile (issuer `${baseUrl}/fapi`)
 *   /...       legacy profile   (issuer `${baseUrl}`)
 *   /login     the persona form's post (both profiles)
 */
export async function singpassSimulator(
  fastify: FastifyInstance,
  options: SingpassSimulatorOptions,
): Promise<void> {
  const ctx = await createSimulatorContext(options);

  // OAuth endpoints take form bodies (RFC 6749 §3.2, RFC 9126 §2.1); parse them here, into
  // URLSearchParams, without depending on what the host app registered.
  if (fastify.hasContentTypeParser(FORM)) fastify.removeContentTypeParser(FORM);
  fastify.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 65_536 }, (_req, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });

  const mount = (profile: SingpassProfile): string => (profile === 'fapi' ? '/fapi' : '');
  for (const profile of ['fapi', 'legacy'] as const) {
    const at = mount(profile);
    fastify.get(`${at}/.well-known/openid-configuration`, async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=3600').send(discoveryDocument(ctx, profile)),
    );
    fastify.get(`${at}/.well-known/keys`, async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=3600').send(ctx.keys.publicJwks),
    );
    fastify.get(`${at}/auth`, authorizeController(ctx, profile));
    fastify.post(`${at}/token`, tokenController(ctx, profile));
    if (ctx.userinfoEndpoint) {
      fastify.get(`${at}/userinfo`, userinfoController(ctx, profile));
      fastify.post(`${at}/userinfo`, userinfoController(ctx, profile));
    }
  }
  fastify.post('/fapi/par', parController(ctx));
  fastify.post('/login', loginController(ctx));
}
