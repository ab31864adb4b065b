import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.ts';
import { DEFAULT_LOCALE, loadCatalogues, type RenderLocale, type Translate } from '../i18n/index.ts';
import { registerAccessibilityPage } from './accessibility/accessibility-page.ts';
import { registerAssets } from './assets.ts';
import { registerCookiesPage } from './cookies/cookies-page.ts';
import type { Design } from './design.ts';
import {
  createErrorResponder,
  type ErrorResponseObserver,
  registerErrorHandling,
  rememberFrameworkResponder,
} from './errors.ts';
import { registerHealth } from './health.ts';
import { registerHomePage } from './home/home-page.ts';
import { LANG_COOKIE, requestLanguages } from './languages.ts';
import { quietLevel } from './logging.ts';
import { CSRF_COOKIE, csrfTokenFor, hubCookieName, registerSecurity } from './security.ts';
import { createViews, type ViewContext, type Views } from './views.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The hub's Nunjucks environment (web/views.ts). */
    views: Views;
  }
  interface FastifyReply {
    /**
     * Render a page template with the request's `csrfToken` and send it as
     * `text/html; charset=utf-8`.
     */
    view(template: string, context?: ViewContext): FastifyReply;
  }
  interface FastifyRequest {
    /** The request's language (see i18n/locales.ts): `?lang=`, then the language cookie, then Accept-Language. */
    locale: RenderLocale;
    /** Messages in the request's language. */
    t: Translate;
    /**
     * The design of this request's pages (design.ts), once a route knows it: the sign-in routes set
     * it from the relying party's country, so the page and any error page of its login wear it.
     * Undefined: GOV.UK.
     */
    design: Design | undefined;
  }
}

export { LANG_COOKIE, type LanguageSwitcher, withLang } from './languages.ts';

/**
 * The pages written in every language (their messages are in src/i18n/messages/). Every other page
 * renders in English with `lang="en"` and no language switcher, so no page mixes a Welsh layout with
 * English content.
 */
export const TRANSLATED_PAGES: ReadonlySet<string> = new Set([
  'home/start.njk',
  'sign-in/choose-scheme.njk',
  'sign-in/consent.njk',
  'error.njk',
  'cookies/cookies.njk',
  'accessibility/accessibility.njk',
]);

export interface WebFoundationOptions {
  config: Config;
  /** Readiness: resolves when the hub can serve (database, keys); rejects otherwise. */
  checkReady: () => Promise<void>;
  /** Signs hub cookies (config.cookieSecret in production; a generated one in development). */
  cookieSecret: string;
  /** Extra `form-action` CSP sources (see security.ts); rarely needed. */
  formActionSources?: readonly string[];
  /** Reload templates on every render (development). */
  noCache?: boolean;
  /** Told of every error response by code and status (the hub's metrics). */
  errorObserver?: ErrorResponseObserver;
}

/**
 * The web foundation every page is built on: security headers, signed cookies and CSRF, form
 * bodies, views and `reply.view()`, `/assets/`, the one error mapping and not-found page,
 * `/healthz` and `/readyz`, and the start, cookies and accessibility pages.
 *
 * Not encapsulated (fastify-plugin semantics, via the `skip-override` symbol: fastify-plugin is only
 * a transitive dependency here), so its hooks, decorators and error handler reach every journey
 * plugin registered after it. Register it first. The logger is the Fastify instance's own: build
 * the instance with `loggerInstance: createLogger(config)` or `logger: loggerOptions(config)`, and
 * `frameworkErrors: webFrameworkErrors`.
 */
async function webFoundationPlugin(app: FastifyInstance, options: WebFoundationOptions): Promise<void> {
  const { config } = options;
  // Every language's messages, checked and compiled once (ADR 19: an incomplete catalogue stops start-up).
  const catalogues = loadCatalogues();
  const views = createViews({
    noCache: options.noCache ?? config.nodeEnv === 'development',
    catalogues,
  });
  app.decorate('views', views);

  // Which languages a page offers and which it is in (languages.ts; i18n's localesFor decides).
  const langCookie = hubCookieName(config, LANG_COOKIE);
  const languages = requestLanguages({
    config,
    catalogues,
    cookieName: langCookie,
    allowPseudo: config.nodeEnv !== 'production',
  });
  /** The language part of a page's context: `locale`, `htmlLang` (a BCP 47 tag) and the switcher. */
  const languageContext = (request: FastifyRequest, translated: boolean, switchPath?: unknown) =>
    languages.context(request, translated, switchPath);

  app.decorateReply('view', function view(this: FastifyReply, template: string, context: ViewContext = {}) {
    const language = languageContext(
      this.request,
      TRANSLATED_PAGES.has(template),
      context['languageSwitchPath'],
    );
    const html = views.render(template, {
      csrfToken: csrfTokenFor(this),
      ...language,
      design: this.request.design,
      ...context,
    });
    // Pages carry a CSRF token and, after sign-in, personal data: no cache may keep them.
    return this.type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-language', language.htmlLang)
      .send(html);
  });

  await registerSecurity(app, {
    config,
    cookieSecret: options.cookieSecret,
    ...(options.formActionSources ? { formActionSources: options.formActionSources } : {}),
  });
  await app.register(fastifyFormbody);

  // After the cookie plugin (registerSecurity), so the language cookie is parsed.
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('t', null as unknown as Translate);
  app.decorateRequest('audience', 'neutral');
  app.decorateRequest('useLanguagesOf', null as unknown as FastifyRequest['useLanguagesOf']);
  app.decorateRequest('design', undefined);
  app.addHook('onRequest', async (request, reply) => {
    languages.negotiate(request, reply);
  });

  const responder = createErrorResponder(views, options.errorObserver, (request) => ({
    context: { ...languageContext(request, true), design: request.design },
    t: request.t ?? catalogues.translator(DEFAULT_LOCALE),
  }));
  registerErrorHandling(app, responder);
  rememberFrameworkResponder(app, responder, config);

  const quiet = quietLevel(config.logLevel);
  await registerAssets(app, { logLevel: quiet });
  await registerHealth(app, { checkReady: options.checkReady, logLevel: quiet });
  await registerHomePage(app, { demoServices: config.demoServices });
  await registerCookiesPage(app, {
    csrfCookieName: hubCookieName(config, CSRF_COOKIE),
    langCookieName: langCookie,
  });
  await registerAccessibilityPage(app, { publicUrl: config.publicUrl });
}

export const webFoundation: FastifyPluginAsync<WebFoundationOptions> = Object.assign(webFoundationPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'govbridge-web-foundation',
});
