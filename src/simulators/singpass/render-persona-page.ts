import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { personas } from './personas.ts';
import { scenarios } from './scenarios.ts';
import type { Scenario } from './types.ts';

/**
 * The persona chooser, rendered with the GOV.UK Frontend template and macros. Personal data only
 * reaches the page through macro `text` params (autoescaped), never `html`; the page has no script
 * of its own; the form is `novalidate` and posts back the single-use request id (which is what
 * stops a forged post: an id is unguessable and works once).
 */
const require = createRequire(import.meta.url);
const govukDist = join(dirname(require.resolve('govuk-frontend/package.json')), 'dist');
const views = join(dirname(fileURLToPath(import.meta.url)), 'views');
const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([views, govukDist]), {
  autoescape: true,
  throwOnUndefined: false,
});

export interface PersonaPageInput {
  readonly formAction: string;
  readonly requestId: string;
  readonly defaultScenario: Scenario;
  readonly error?: string | undefined;
  readonly cspNonce?: string | undefined;
}

export function renderPersonaPage(input: PersonaPageInput): string {
  return env.render('choose-persona.njk', {
    formAction: input.formAction,
    requestId: input.requestId,
    cspNonce: input.cspNonce,
    error: input.error,
    personaItems: personas.map((p) => ({
      value: p.id,
      text: `${String(p.myinfo.name?.value ?? p.id)} (${p.id})`,
      hint: { text: p.summary },
    })),
    scenarioItems: scenarios.map((s) => ({ value: s, text: s, selected: s === input.defaultScenario })),
  });
}

export function renderMessagePage(title: string, message: string, cspNonce?: string): string {
  return env.render('message.njk', { title, message, cspNonce });
}

/**
 * The GOV.UK template carries one inline snippet (adds `js-enabled`); when the host app issues CSP
 * nonces through @fastify/helmet (`enableCSPNonces`), pass the script nonce so it may run.
 */
export function cspNonceOf(reply: unknown): string | undefined {
  const nonce = (reply as { cspNonce?: { script?: unknown } }).cspNonce?.script;
  return typeof nonce === 'string' ? nonce : undefined;
}
