import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { personas } from './personas.ts';
import { scenarios } from './scenarios.ts';
import type { Scenario } from './types.ts';

/**
 * The persona chooser, rendered with GOV.UK Frontend's macros in the hub's page shell
 * `document.njk` (govuk-frontend's `template.njk` without its inline script), found by path in
 * `src/web/templates/` — a search path, not an import: this module imports only kernel. Personal
 * data only reaches the page through macro `text` params (autoescaped), never `html`; the page has
 * no inline script (the hub's external `/assets/app.js` only); the form is `novalidate` and posts
 * back the single-use request id (which is what stops a forged post: an id is unguessable and works
 * once).
 */
const require = createRequire(import.meta.url);
const govukDist = join(dirname(require.resolve('govuk-frontend/package.json')), 'dist');
const here = dirname(fileURLToPath(import.meta.url));
const views = join(here, 'views');
const pageShell = join(here, '..', '..', 'web', 'templates');
const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([views, pageShell, govukDist]), {
  autoescape: true,
  throwOnUndefined: false,
});

export interface PersonaPageInput {
  readonly formAction: string;
  readonly requestId: string;
  readonly defaultScenario: Scenario;
  readonly error?: string | undefined;
}

export function renderPersonaPage(input: PersonaPageInput): string {
  return env.render('choose-persona.njk', {
    formAction: input.formAction,
    requestId: input.requestId,
    error: input.error,
    personaItems: personas.map((p) => ({
      value: p.id,
      text: `${String(p.myinfo.name?.value ?? p.id)} (${p.id})`,
      hint: { text: p.summary },
    })),
    scenarioItems: scenarios.map((s) => ({ value: s, text: s, selected: s === input.defaultScenario })),
  });
}

export function renderMessagePage(title: string, message: string): string {
  return env.render('message.njk', { title, message });
}
