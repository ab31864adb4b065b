/**
 * The web module: Fastify plugins for every page of the hub. Other modules (and app.ts) import
 * only from here.
 */
export type { FastifyReply, FastifyRequest } from 'fastify';
export { endAccountSessionOfRaw } from './account/account-cookie.ts';
export { type AdminConsoleOptions, adminConsole } from './admin/console.ts';
export { type AdminApiOptions, adminApi } from './admin-api/index.ts';
export { type ApiDocsOptions, apiDocs } from './api-docs/api-docs-routes.ts';
export {
  createErrorResponder,
  type PublicError,
  problemJson,
  toPublicError,
  type WebErrorCode,
  wantsProblemJson,
  webFrameworkErrors,
} from './errors.ts';
export { type FormErrors, type FormErrorsOptions, type FormIssue, formErrors } from './forms.ts';
export { type WebFoundationOptions, webFoundation } from './foundation.ts';
export { hubPages, providerPageRenderers } from './hub-pages.ts';
export { type LifeEventPagesOptions, lifeEventPages } from './journeys/journey-pages.ts';
export { type LedgerRoutesOptions, ledgerRoutes } from './ledger/ledger-routes.ts';
export { type LifeEventsApiOptions, lifeEventsApi } from './life-events-api/index.ts';
export { createLogger, loggerOptions, pathOnly, redactDeep } from './logging.ts';
export { type ReleasePagesOptions, releasePages } from './releases/release-pages.ts';
export { addViewsPath, render } from './render.ts';
export { type ReportPagesOptions, reportPages } from './reports/report-pages.ts';
export {
  contentSecurityPolicyDirectives,
  contentSecurityPolicyHeader,
  csrfTokenFor,
  hubCookieName,
  hubCookieOptions,
  isHttps,
  verifyCsrf,
} from './security.ts';
export { buildWebTestApp, TEST_COOKIE_SECRET, type WebTestAppOptions } from './test-app.ts';
export { traceRequests } from './tracing.ts';
export { createViews, type ViewContext, type Views } from './views.ts';
