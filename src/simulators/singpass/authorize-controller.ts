import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomId } from '../../kernel/index.ts';
import { completeLogin } from './complete-login.ts';
import { REQUEST_URI_PREFIX, type SimulatorContext } from './create-simulator-context.ts';
import { findPersona } from './personas.ts';
import { OAuthError, sendOAuthError } from './protocol-error.ts';
import { renderPersonaPage } from './render-persona-page.ts';
import type { PendingAuthorization, SingpassProfile } from './types.ts';
import { validateAuthorizationRequest } from './validate-authorization-request.ts';

/**
 * The browser's entry point.
 * FAPI: only `client_id` and `request_uri` are accepted (RFC 9126 §4; FAPI 2.0 §5.3.2.2: the AS
 * uses only the pushed parameters); the `request_uri` is taken, so it works once, and it must
 * belong to `client_id`.
 * Legacy: the query carries the whole request (OIDC Core §3.1.2.1).
 * Either way a `login_hint` naming a persona finishes at once (headless); otherwise the persona
 * page is shown and the request waits, once, for its form.
 */
export function authorizeController(ctx: SimulatorContext, profile: SingpassProfile) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const query = new URLSearchParams(request.raw.url?.split('?')[1] ?? '');
      const pending = profile === 'fapi' ? takePushed(ctx, query) : legacyRequest(ctx, query);
      if (pending.personaId !== undefined) {
        const persona = findPersona(pending.personaId)!;
        return reply.redirect(
          completeLogin(ctx, pending, persona, pending.scenario ?? ctx.defaultScenario),
          302,
        );
      }
      ctx.interactions.set(pending.id, pending, 600);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          renderPersonaPage({
            formAction: `${ctx.basePath}/login`,
            requestId: pending.id,
            defaultScenario: ctx.defaultScenario,
          }),
        );
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      throw err;
    }
  };
}

function takePushed(ctx: SimulatorContext, query: URLSearchParams): PendingAuthorization {
  const extra = [...query.keys()].filter((k) => k !== 'client_id' && k !== 'request_uri');
  if (extra.length > 0)
    throw new OAuthError('invalid_request', 'only client_id and request_uri are accepted');
  const requestUri = query.get('request_uri') ?? '';
  if (!requestUri.startsWith(REQUEST_URI_PREFIX))
    throw new OAuthError('invalid_request_uri', 'request_uri is missing or malformed');
  const pending = ctx.pushed.take(requestUri.slice(REQUEST_URI_PREFIX.length));
  if (pending === undefined)
    throw new OAuthError('invalid_request_uri', 'request_uri is unknown, expired or already used');
  if (pending.clientId !== query.get('client_id'))
    throw new OAuthError('invalid_request', 'client_id does not match the push');
  return pending;
}

function legacyRequest(ctx: SimulatorContext, query: URLSearchParams): PendingAuthorization {
  const client = ctx.clientKeys.client(query.get('client_id') ?? '');
  if (client === undefined) throw new OAuthError('unauthorized_client', 'unknown client_id');
  return validateAuthorizationRequest(query, client, 'legacy', randomId(24), undefined, ctx.scopesSupported);
}
