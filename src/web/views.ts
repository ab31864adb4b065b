import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import {
  type Catalogues,
  formatDate,
  isLocale,
  loadCatalogues,
  type MessageValues,
  PSEUDO_LOCALE,
  type RenderLocale,
} from '../i18n/index.ts';
import { type Design, isDesign, templateFor } from './design.ts';

/**
 * The one Nunjucks environment of the hub.
 *
 * Search order: our layout and partials (`templates/`), then `src/web/` itself so each page folder's
 * template is named after its folder (`home/start.njk`), then folders other modules add with
 * `addPath()`, and govuk-frontend's `dist/` last so `govuk/components/…/macro.njk` resolves.
 * Autoescape is on (citizen data only ever goes through `text`, never `html`); `throwOnUndefined` is
 * off because govuk-frontend's macros test optional params by reading them.
 */
export const WEB_DIR = import.meta.dirname;
export const GOVUK_FRONTEND_DIR = join(
  dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json'))),
  'dist',
);
export const PUBLIC_DIR = join(WEB_DIR, 'public');
/** The SGDS package (@govtechsg/sgds-web-component): its themes, CSS and the masthead's script. */
export const SGDS_DIR = join(
  dirname(fileURLToPath(import.meta.resolve('@govtechsg/sgds-web-component/themes/day.css'))),
  '..',
);
/** The SGDS files the SGDS layout links with `?v=` (assets.ts serves them under /assets/sgds/). */
export const SGDS_VERSIONED_FILES = [
  'themes/day.css',
  'css/sgds.css',
  'components/Masthead/index.umd.min.js',
] as const;

export type ViewContext = Record<string, unknown>;

export interface Views {
  readonly env: nunjucks.Environment;
  /** Add a folder of templates, searched after the web module's own and before govuk-frontend. */
  addPath(dir: string): void;
  /**
   * Render a page. `context.design` (design.ts) picks the template's SGDS version when it has one;
   * the template sees the design it really wears as `design`.
   */
  render(template: string, context?: ViewContext): string;
}

export interface ViewsOptions {
  /** Reload templates from disk on every render (development). */
  noCache?: boolean;
  /** Exposed to every template as `assetVersion`; appended to asset URLs so they can be cached for a year. */
  assetVersion?: string;
  /** The message catalogues behind `t()`; loaded (and checked) from `src/i18n/messages/` if not given. */
  catalogues?: Catalogues;
}

export function createViews(options: ViewsOptions = {}): Views {
  const own = [join(WEB_DIR, 'templates'), WEB_DIR];
  const extra: string[] = [];
  const loader = new nunjucks.FileSystemLoader([...own, GOVUK_FRONTEND_DIR], {
    noCache: options.noCache ?? false,
  });
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
  env.addGlobal('serviceName', 'govbridge');
  env.addGlobal('assetVersion', options.assetVersion ?? computeAssetVersion());
  env.addGlobal('csrfField', csrfField);
  const catalogues = options.catalogues ?? loadCatalogues();
  env.addGlobal('t', translateGlobal(catalogues));
  env.addFilter('dateInWords', function dateInWords(this: LookupContext, value: unknown) {
    return typeof value === 'string' ? formatDate(value, localeOf(this)) : value;
  });
  return {
    env,
    addPath(dir: string) {
      if (own.includes(dir) || extra.includes(dir)) return;
      extra.push(dir);
      // FileSystemLoader reads its (untyped) `searchPaths` on every lookup, so a folder added after
      // start-up still resolves; templates already cached keep the folder they were found in.
      (loader as unknown as { searchPaths: string[] }).searchPaths = [
        ...own,
        ...extra.map((d) => normalize(d)),
        GOVUK_FRONTEND_DIR,
      ];
    },
    render(template: string, context: ViewContext = {}) {
      const wanted: Design | undefined = isDesign(context['design']) ? context['design'] : undefined;
      const chosen = templateFor(template, wanted);
      return env.render(chosen.template, { ...context, design: chosen.design });
    },
  };
}

interface LookupContext {
  lookup(name: string): unknown;
}

/** The page's language: the context's `locale` (set by reply.view for translated pages), else English. */
function localeOf(context: LookupContext): RenderLocale {
  const locale = context.lookup('locale');
  return isLocale(locale) || locale === PSEUDO_LOCALE ? locale : 'en';
}

/**
 * `{{ t("key", { name: value }) }}`: a message in the page's language (its `locale`, English when
 * none). The result is plain text, escaped like any other value.
 */
function translateGlobal(catalogues: Catalogues) {
  return function t(this: LookupContext, key: string, values?: MessageValues): string {
    return catalogues.translator(localeOf(this))(key, values);
  };
}

/**
 * `{{ csrfField() }}` inside a `<form method="post">`: the hidden synchronizer-token input.
 * Nunjucks calls globals with `this` bound to the render context, which is how the field reaches the
 * request's `csrfToken` without every page passing it by hand.
 */
function csrfField(this: { lookup(name: string): unknown }): nunjucks.runtime.SafeString {
  const token = this.lookup('csrfToken');
  if (typeof token !== 'string' || token === '') {
    // A form without a token can never be submitted; fail loudly in development rather than
    // render a form that always answers "This form has expired".
    throw new Error('csrfField() used on a page rendered without a CSRF token (render it with reply.view)');
  }
  return new nunjucks.runtime.SafeString(`<input type="hidden" name="_csrf" value="${escapeHtml(token)}">`);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * A short content hash of what the layout links to (govuk-frontend's build and our app.js): it
 * changes whenever either changes, so `?v=` URLs can carry `immutable` cache headers safely.
 */
export function computeAssetVersion(): string {
  const h = createHash('sha256');
  for (const file of [
    join(GOVUK_FRONTEND_DIR, 'govuk', 'govuk-frontend.min.css'),
    join(GOVUK_FRONTEND_DIR, 'govuk', 'govuk-frontend.min.js'),
    join(PUBLIC_DIR, 'app.js'),
    ...SGDS_VERSIONED_FILES.map((f) => join(SGDS_DIR, f)),
    join(PUBLIC_DIR, 'sgds-hub.css'),
  ]) {
    h.update(readFileSync(file));
  }
  return h.digest('base64url').slice(0, 10);
}
