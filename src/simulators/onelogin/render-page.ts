import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { randomId } from '../../kernel/index.ts';

/**
 * Pages use GOV.UK Frontend's own Nunjucks template and macros from the installed package (not a
 * copied bundle). Autoescape is on; citizen data reaches macros only through `text` parameters.
 */
export function createViews(): nunjucks.Environment {
  const frontendDist = join(
    dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json'))),
    'dist',
  );
  const ownViews = join(dirname(fileURLToPath(import.meta.url)), 'views');
  return new nunjucks.Environment(new nunjucks.FileSystemLoader([ownViews, frontendDist]), {
    autoescape: true,
    throwOnUndefined: false,
  });
}

export interface RenderedPage {
  readonly html: string;
  /** A Content-Security-Policy allowing only GOV.UK Frontend's one template snippet, by nonce. */
  readonly csp: string;
}

/**
 * GOV.UK Frontend's template.njk carries its one `js-enabled` snippet, which takes `cspNonce`; we add
 * no script of our own, so the policy allows scripts by that nonce only.
 */
export function renderPage(
  views: nunjucks.Environment,
  name: string,
  context: Record<string, unknown>,
): RenderedPage {
  const cspNonce = randomId(16);
  const html = views.render(name, { ...context, cspNonce, assetPath: '/assets' });
  const csp = [
    "default-src 'self'",
    `script-src 'nonce-${cspNonce}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "form-action 'self' http: https:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return { html, csp };
}
