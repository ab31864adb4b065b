import type { FastifyInstance, FastifyReply } from 'fastify';
import { randomId } from '../../kernel/index.ts';
import { AuthorizeError, errorRedirect } from './authorize-error.ts';
import type { ClientKeys } from './client-keys.ts';
import { completeLogin } from './complete-login.ts';
import type { SimulatorContext } from './context.ts';
import { findPersona, PERSONAS } from './personas.ts';
import { renderPage } from './render-page.ts';
import { type AuthRequest, isScenario, SCENARIOS, type Scenario } from './types.ts';
import { validateAuthRequest } from './validate-auth-request.ts';

/** A persona chooser stays usable for 15 minutes; its identifier works once. */
const INTERACTION_TTL_SECONDS = 900;

/**
 * GET /authorize validates the request, then either finishes at once (headless: `login_hint` is
 * `<personaId>` or `<personaId>:<scenario>`) or shows the persona chooser. POST /authorize/persona
 * takes the chooser's answer; its single-use `interaction` identifier binds it to the request.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, ctx: SimulatorContext, keys: ClientKeys): void {
  app.get('/authorize', async (req, reply) => {
    let request: AuthRequest;
    try {
      request = await validateAuthRequest(req.query as Record<string, string | string[]>, ctx, keys);
    } catch (err) {
      return sendAuthorizeError(err, reply);
    }
    const hint = parseLoginHint(request.loginHint);
    if (hint.scenarioInvalid) {
      return reply.redirect(
        errorRedirect(
          request.redirectUri,
          'invalid_request',
          'login_hint names an unknown scenario',
          request.state,
        ),
      );
    }
    const scenario = hint.scenario ?? ctx.defaultScenario;
    if (refusesClaimsObject(request, scenario)) return sendInternalError(reply);
    const persona = hint.personaId === undefined ? undefined : findPersona(hint.personaId);
    if (persona) return reply.redirect(completeLogin(ctx, request, persona, scenario));

    const interaction = randomId();
    ctx.interactions.set(interaction, { request }, INTERACTION_TTL_SECONDS);
    return sendChooser(reply, ctx, interaction, request, undefined);
  });

  app.post('/authorize/persona', async (req, reply) => {
    const body = formBody(req.body);
    const pending = body.interaction === undefined ? undefined : ctx.interactions.get(body.interaction);
    if (!pending || body.interaction === undefined) {
      const page = renderPage(ctx.views, 'message.njk', {
        title: 'This sign-in link has expired',
        message: 'Go back to the service you came from and start again.',
      });
      return reply.code(400).header('content-security-policy', page.csp).type('text/html').send(page.html);
    }
    const persona = body.persona === undefined ? undefined : findPersona(body.persona);
    if (!persona) {
      return sendChooser(
        reply.code(400),
        ctx,
        body.interaction,
        pending.request,
        'Select the person to sign in as',
      );
    }
    const scenario: Scenario =
      body.scenario !== undefined && isScenario(body.scenario) ? body.scenario : ctx.defaultScenario;
    ctx.interactions.delete(body.interaction);
    if (refusesClaimsObject(pending.request, scenario)) return sendInternalError(reply);
    return reply.redirect(completeLogin(ctx, pending.request, persona, scenario));
  });
}

function sendChooser(
  reply: FastifyReply,
  ctx: SimulatorContext,
  interaction: string,
  request: AuthRequest,
  personaError: string | undefined,
): FastifyReply {
  const requested = request.vtr
    .map((v) => (v.levelOfConfidence ? `${v.credentialTrust}.${v.levelOfConfidence}` : v.credentialTrust))
    .join(' or ');
  const page = renderPage(ctx.views, 'choose-persona.njk', {
    title: 'Who are you signing in as?',
    action: ctx.urls.choosePath,
    interaction,
    requested,
    personaError,
    personaItems: PERSONAS.map((p) => ({ value: p.id, text: p.label, hint: { text: p.summary } })),
    scenarioItems: SCENARIOS.map((s) => ({
      value: s,
      text: s === 'ok' ? 'Sign in normally' : s,
      checked: s === ctx.defaultScenario,
    })),
  });
  return reply
    .header('content-security-policy', page.csp)
    .header('cache-control', 'no-store')
    .type('text/html')
    .send(page.html);
}

/**
 * Scenario `claims_string_only` plays the public simulator (github.com/govuk-one-login/simulator):
 * it validates a request object's `claims` in either form, but then reads it with `JSON.parse`
 * (`transformRequestObject` → `getClaimsKeys` in its `src/utils/utils.ts`), so a JSON object, the
 * form GOV.UK One Login's documentation shows, ends in its catch-all: HTTP 500
 * `{"message":"Internal Server Error"}`. GOV.UK One Login itself accepts both forms.
 */
function refusesClaimsObject(request: AuthRequest, scenario: Scenario): boolean {
  return scenario === 'claims_string_only' && request.requestObjectClaims === 'object';
}

function sendInternalError(reply: FastifyReply): FastifyReply {
  return reply.code(500).header('cache-control', 'no-store').send({ message: 'Internal Server Error' });
}

function sendAuthorizeError(err: unknown, reply: FastifyReply): FastifyReply {
  if (!(err instanceof AuthorizeError)) throw err;
  if (err.redirectUri !== undefined) {
    return reply.redirect(errorRedirect(err.redirectUri, err.error, err.message, err.state));
  }
  return reply.code(400).send({ error: err.error, error_description: err.message });
}

function parseLoginHint(hint: string | undefined): {
  personaId?: string;
  scenario?: Scenario;
  scenarioInvalid?: boolean;
} {
  if (hint === undefined || hint === '') return {};
  const [personaId, scenario] = hint.split(':', 2);
  if (personaId === undefined || findPersona(personaId) === undefined) return {};
  if (scenario === undefined) return { personaId };
  return isScenario(scenario) ? { personaId, scenario } : { personaId, scenarioInvalid: true };
}

/** Form bodies arrive as objects from either our parser or @fastify/formbody; keep single strings. */
export function formBody(body: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}
