import type { FastifyInstance } from 'fastify';
import { jwtVerify } from 'jose';
import { formBody } from './authorize-controller.ts';
import type { SimulatorContext } from './context.ts';
import { renderPage } from './render-page.ts';

/**
 * GET /logout ("Log your users out": `id_token_hint`, `post_logout_redirect_uri`, `state`). The
 * browser goes back to `post_logout_redirect_uri` (with `state`) only when `id_token_hint` is an ID
 * token we issued (expired ones are accepted, as a hint) and the URI is registered for its client;
 * otherwise the simulator's signed-out page is shown.
 */
export function registerLogoutRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  app.get('/logout', async (req, reply) => {
    const q = formBody(req.query);
    const clientId = q.id_token_hint === undefined ? undefined : await audienceOf(q.id_token_hint, ctx);
    const client = clientId === undefined ? undefined : ctx.findClient(clientId);
    const target = q.post_logout_redirect_uri;
    if (client && target !== undefined && (client.postLogoutRedirectUris ?? []).includes(target)) {
      const url = new URL(target);
      if (q.state !== undefined) url.searchParams.set('state', q.state);
      return reply.redirect(url.toString());
    }
    const page = renderPage(ctx.views, 'message.njk', {
      title: 'You have signed out',
      message: 'You have signed out of the GOV.UK One Login simulator.',
    });
    return reply.header('content-security-policy', page.csp).type('text/html').send(page.html);
  });
}

async function audienceOf(idToken: string, ctx: SimulatorContext): Promise<string | undefined> {
  for (const key of [ctx.keys.idTokenEs256, ctx.keys.idTokenRs256]) {
    try {
      const { payload } = await jwtVerify(idToken, key.publicJwk, {
        algorithms: [key.alg],
        issuer: ctx.urls.issuer,
        currentDate: new Date(0),
      });
      return typeof payload.aud === 'string' ? payload.aud : undefined;
    } catch {
      // try the next key
    }
  }
  return undefined;
}
