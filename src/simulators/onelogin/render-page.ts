import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

/**
 * Pages use GOV.UK Frontend's macros from the installed package (not a copied bundle) and the hub's
 * page shell `document.njk` (govuk-frontend's `template.njk` without its inline script), found by
 * path in `src/web/templates/` — a search path, not an import: this module imports only kernel.
 * Autoescape is on; citizen data reaches macros only through `text` parameters.
 */
export function createViews(): nunjucks.Environment {
  const frontendDist = join(
    dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json'))),
    'dist',
  );
  const here = dirname(fileURLToPath(import.meta.url));
  const ownViews = join(here, 'views');
  const pageShell = join(here, '..', '..', 'web', 'templates');
  return new nunjucks.Environment(new nunjucks.FileSystemLoader([ownViews, pageShell, frontendDist]), {
    autoescape: true,
    throwOnUndefined: false,
  });
}

export interface RenderedPage {
  readonly html: string;
  /** A Content-Security-Policy for the page: scripts and styles from this origin only. */
  readonly csp: string;
}

/**
 * The pages carry no inline script (the only script is the hub's `/assets/app.js`, an external
 * module), so the policy allows scripts from this origin only: no nonce, no 'unsafe-inline'.
 */
export function renderPage(
  views: nunjucks.Environment,
  name: string,
  context: Record<string, unknown>,
): RenderedPage {
  const html = views.render(name, { ...context, assetPath: '/assets' });
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "form-action 'self' http: https:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return { html, csp };
}
