import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Config } from '../config/index.ts';
import { registerAccessibilityPage } from './accessibility/accessibility-page.ts';
import { registerAssets } from './assets.ts';
import { registerCookiesPage } from './cookies/cookies-page.ts';
import {
  createErrorResponder,
  type ErrorResponseObserver,
  registerErrorHandling,
  rememberFrameworkResponder,
} from './errors.ts';
import { registerHealth } from './health.ts';
import { registerHomePage } from './home/home-page.ts';
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
}

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
  const views = createViews({ noCache: options.noCache ?? config.nodeEnv === 'development' });
  app.decorate('views', views);
  app.decorateReply('view', function view(this: FastifyReply, template: string, context: ViewContext = {}) {
    const html = views.render(template, { csrfToken: csrfTokenFor(this), ...context });
    // Pages carry a CSRF token and, after sign-in, personal data: no cache may keep them.
    return this.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });

  await registerSecurity(app, {
    config,
    cookieSecret: options.cookieSecret,
    ...(options.formActionSources ? { formActionSources: options.formActionSources } : {}),
  });
  await app.register(fastifyFormbody);

  const responder = createErrorResponder(views, options.errorObserver);
  registerErrorHandling(app, responder);
  rememberFrameworkResponder(app, responder, config);

  const quiet = quietLevel(config.logLevel);
  await registerAssets(app, { logLevel: quiet });
  await registerHealth(app, { checkReady: options.checkReady, logLevel: quiet });
  await registerHomePage(app, { demoServices: config.demoServices });
  await registerCookiesPage(app, { csrfCookieName: hubCookieName(config, CSRF_COOKIE) });
  await registerAccessibilityPage(app, { publicUrl: config.publicUrl });
}

export const webFoundation: FastifyPluginAsync<WebFoundationOptions> = Object.assign(webFoundationPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'govbridge-web-foundation',
});
