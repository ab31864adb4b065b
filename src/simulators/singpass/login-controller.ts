import type { FastifyReply, FastifyRequest } from 'fastify';
import { completeLogin } from './complete-login.ts';
import type { SimulatorContext } from './create-simulator-context.ts';
import { findPersona } from './personas.ts';
import { renderMessagePage, renderPersonaPage } from './render-persona-page.ts';
import { isScenario } from './scenarios.ts';

/**
 * The persona form's post. The request id it carries is single use: it is taken from the store
 * before anything else happens (a replayed or forged post finds nothing), and only put back when
 * the person must correct the form.
 */
export function loginController(ctx: SimulatorContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const body = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const id = body.get('request_id') ?? '';
    const pending = ctx.interactions.take(id);
    if (pending === undefined) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(renderMessagePage('This sign-in has expired', 'Go back to the service and start again.'));
    }
    const persona = findPersona(body.get('persona') ?? '');
    if (persona === undefined) {
      ctx.interactions.set(id, pending, 600);
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(
          renderPersonaPage({
            formAction: `${ctx.basePath}/login`,
            requestId: id,
            defaultScenario: ctx.defaultScenario,
            error: 'Select who is signing in',
          }),
        );
    }
    const chosen = body.get('scenario') ?? '';
    const scenario = isScenario(chosen) ? chosen : ctx.defaultScenario;
    return reply.redirect(completeLogin(ctx, pending, persona, scenario), 302);
  };
}
