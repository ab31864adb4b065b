import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

/**
 * Nunjucks for the demo pages: autoescape on, this folder's `views/` first, then govuk-frontend's
 * `dist/` so pages import its macros as `govuk/components/…/macro.njk`. Citizen data reaches the
 * macros only through `text` parameters. `before` are folders searched first (the demo agencies'
 * own templates, which extend this folder's `layout.njk`).
 */
export interface Views {
  render(template: string, context: Readonly<Record<string, unknown>>): string;
}

export function createViews(before: readonly string[] = []): Views {
  const own = join(dirname(fileURLToPath(import.meta.url)), 'views');
  const govukFrontend = join(
    dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json'))),
    'dist',
  );
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([...before, own, govukFrontend]), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  return { render: (template, context) => env.render(template, context) };
}
