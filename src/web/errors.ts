import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.ts';
import { loadCatalogues, type Translate } from '../i18n/index.ts';
import { type ErrorCode, type GovbridgeError, isGovbridgeError, publicView } from '../kernel/index.ts';
import { pathOnly } from './logging.ts';
import { contentSecurityPolicyHeader } from './security.ts';
import type { ViewContext, Views } from './views.ts';

/**
 * The one error → response mapping of the hub (FormSG's lesson: map once, on a stable code).
 *
 * Every thrown value, Fastify's own client errors and unmatched routes end here. What the caller
 * sees comes from `publicView()` (kernel) or from a fixed table below, never from a non-exposed
 * error's message, and never a stack. Pages get a GOV.UK error page; `/api/` routes and clients that
 * ask for JSON get RFC 9457 `application/problem+json`.
 */

/** Codes the web layer answers with that the kernel has no error for (Fastify's own, rate limits). */
export type WebErrorCode = ErrorCode | 'unsupported_media_type' | 'method_not_allowed' | 'rate_limited';

export interface PublicError {
  status: number;
  code: WebErrorCode;
  /** Safe to show: an exposed GovbridgeError's message, or our own fixed sentence. */
  message: string;
  /** Same-origin path to try again (503/504), from a GovbridgeError's `detail.retryUrl`. */
  retryUrl?: string;
}

/**
 * Outages: the status and code say only "try again later", so they reach the caller even though
 * the error itself is not exposed; its message still never does (kernel's publicView would turn
 * them into a plain 500 and lose the "try again" advice).
 */
const AVAILABILITY_CODES: ReadonlySet<ErrorCode> = new Set([
  'temporarily_unavailable',
  'upstream_unavailable',
  'upstream_timeout',
  'database_unavailable',
]);

/**
 * `Retry-After` (seconds) of a 503/429. A database restart or fail-over takes seconds, so
 * `database_unavailable` suggests a short wait; everything else a minute.
 */
export function retryAfterSeconds(e: Pick<PublicError, 'status' | 'code'>): number | undefined {
  if (e.status !== 503 && e.status !== 429) return undefined;
  return e.code === 'database_unavailable' ? 10 : 60;
}

/** Fastify's (and its plugins') own client errors, by their stable FST_ codes. */
const FRAMEWORK_ERRORS: Record<string, Omit<PublicError, 'retryUrl'>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'The information you sent is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'The information you sent is in a format this service does not accept.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'bad_request',
    message: 'The request body is empty but its type says JSON.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'bad_request',
    message: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad_request',
    message: 'The request body does not match its Content-Length.',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'bad_request', message: 'The web address is not valid.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'bad_request', message: 'The web address is too long.' },
  FST_CSRF_MISSING_SECRET: { status: 403, code: 'csrf_invalid', message: 'This form has expired.' },
  FST_CSRF_INVALID_TOKEN: { status: 403, code: 'csrf_invalid', message: 'This form has expired.' },
};

function genericClientError(status: number): Omit<PublicError, 'retryUrl'> {
  switch (status) {
    case 401:
      return { status, code: 'unauthorized', message: 'You need to sign in to use this page.' };
    case 403:
      return { status, code: 'forbidden', message: 'You do not have permission to use this page.' };
    case 404:
      return { status, code: 'not_found', message: 'Page not found.' };
    case 405:
      return { status, code: 'method_not_allowed', message: 'This page cannot be used that way.' };
    case 413:
      return { status, code: 'payload_too_large', message: 'The information you sent is too large.' };
    case 415:
      return FRAMEWORK_ERRORS['FST_ERR_CTP_INVALID_MEDIA_TYPE']!;
    case 429:
      return { status, code: 'rate_limited', message: 'There have been too many attempts.' };
    default:
      return { status: 400, code: 'bad_request', message: 'The request could not be understood.' };
  }
}

function statusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && Number.isInteger(s) ? s : undefined;
}

function fastifyCodeOf(err: unknown): string | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : undefined;
}

/** A retry link is only ever a same-origin path: never an open redirect. */
function safeRetryUrl(detail: Record<string, unknown> | undefined): string | undefined {
  const u = detail?.['retryUrl'];
  return typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') && !u.includes('\\')
    ? u
    : undefined;
}

/**
 * The `database_unavailable` error behind `err`, if any: storage raises it for every query during an
 * outage, and libraries that wrap it (oidc-provider's errors at the interaction routes) keep it as
 * their `cause`.
 */
function databaseOutageOf(err: unknown): GovbridgeError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    if (isGovbridgeError(current) && current.code === 'database_unavailable') return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What the caller may be told about `err`. Pure; the basis of both pages and problem+json. */
export function toPublicError(thrown: unknown): PublicError {
  const err = databaseOutageOf(thrown) ?? thrown;
  if (isGovbridgeError(err)) {
    const view = publicView(err);
    if (view.code !== 'server_error' || err.code === 'server_error') {
      const retryUrl = view.status >= 500 ? safeRetryUrl(err.detail) : undefined;
      return retryUrl ? { ...view, retryUrl } : view;
    }
    if (AVAILABILITY_CODES.has(err.code) && (err.status === 503 || err.status === 504)) {
      const retryUrl = safeRetryUrl(err.detail);
      const out: PublicError = {
        status: err.status,
        code: err.code,
        message: 'The service is unavailable. Try again later.',
      };
      return retryUrl ? { ...out, retryUrl } : out;
    }
    return view;
  }
  const fst = fastifyCodeOf(err);
  if (fst && FRAMEWORK_ERRORS[fst]) return { ...FRAMEWORK_ERRORS[fst] };
  const status = statusOf(err);
  if (fst === 'FST_ERR_VALIDATION' || (err as { validation?: unknown } | null)?.validation) {
    // Schema validation messages describe the schema, not the submitted value.
    const msg = err instanceof Error ? err.message : '';
    return { status: 400, code: 'invalid_request', message: msg || 'The request is not valid.' };
  }
  if (err instanceof SyntaxError && status === 400)
    return { ...FRAMEWORK_ERRORS['FST_ERR_CTP_INVALID_JSON_BODY']! };
  if (status !== undefined && status >= 400 && status < 500) return genericClientError(status);
  return publicView(err);
}

interface PageContent {
  pageTitle: string;
  heading: string;
  /** `lang` marks a paragraph left in English on a page in another language (an exposed message). */
  paragraphs: { text: string; lang?: string }[];
  links: { href: string; text: string }[];
}

/** Our own fixed sentences an error may carry, and their messages in every language. */
const FIXED_MESSAGES: Record<string, string> = {
  'You need to sign in to use this page.': 'errors.unauthorized.text',
  'You do not have permission to use this page.': 'errors.forbidden.text',
  'The request could not be understood.': 'errors.badRequest.text',
};

/** The GOV.UK wording for each kind of error page (service-manual error page patterns), in `t`'s language. */
function pageContent(e: PublicError, request: FastifyRequest, t: Translate, locale: string): PageContent {
  const start = { href: '/', text: t('errors.start') };
  const retry = (fallback: { href: string; text: string }[]) =>
    e.retryUrl ? [{ href: e.retryUrl, text: t('errors.tryAgain') }, ...fallback] : fallback;
  // An exposed message is written in English by the module that raised it: say so on other pages.
  const exposed = (): { text: string; lang?: string } => {
    const key = FIXED_MESSAGES[e.message];
    if (key) return { text: t(key) };
    return locale === 'en' ? { text: e.message } : { text: e.message, lang: 'en' };
  };
  const titled = (title: string, rest: Omit<PageContent, 'pageTitle' | 'heading'>, heading = title) => ({
    pageTitle: title,
    heading,
    ...rest,
  });
  if (e.code === 'csrf_invalid') {
    return titled(t('errors.expired.title'), {
      paragraphs: [{ text: t('errors.expired.text') }, { text: t('errors.expired.notSaved') }],
      links: [{ href: formPageOf(request), text: t('errors.expired.back') }, start],
    });
  }
  switch (e.status) {
    case 404:
      return titled(t('errors.notFound.title'), {
        paragraphs: [{ text: t('errors.notFound.typed') }, { text: t('errors.notFound.pasted') }],
        links: [start],
      });
    case 401:
    case 403:
      return titled(t('errors.forbidden.title'), { paragraphs: [exposed()], links: [start] });
    case 413:
      return titled(t('errors.tooLarge.title'), {
        paragraphs: [{ text: t('errors.tooLarge.text') }],
        links: [start],
      });
    case 429:
      return titled(
        t('errors.tooMany.title'),
        { paragraphs: [{ text: t('errors.tooMany.text') }], links: [start] },
        t('errors.tooMany.heading'),
      );
    case 503:
    case 504:
      if (e.code === 'database_unavailable') {
        // GOV.UK "service unavailable" pattern (design-system.service.gov.uk/patterns/
        // service-unavailable-pages/): say it is unavailable and when to come back, nothing more.
        return titled(t('errors.unavailable.title'), {
          paragraphs: [{ text: t('errors.unavailable.soon') }, { text: t('errors.unavailable.notSaved') }],
          links: retry([start]),
        });
      }
      return titled(t('errors.unavailable.title'), {
        paragraphs: [
          { text: e.status === 504 ? t('errors.unavailable.timeout') : t('errors.unavailable.down') },
          { text: t('errors.unavailable.tryLater') },
        ],
        links: retry([start]),
      });
    default:
      if (e.status >= 500) {
        return titled(t('errors.internal.title'), {
          paragraphs: [{ text: t('errors.internal.tryLater') }, { text: t('errors.internal.notSaved') }],
          links: [start],
        });
      }
      return titled(t('errors.badRequest.title'), { paragraphs: [exposed()], links: [start] });
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * For a form post whose form is shown at another URL: that page's path (e.g. POST
     * /account/sign-in's form is on /account/consents). "Go back to the form" links there.
     */
    formPage?: string;
  }
}

/**
 * Where "go back to the form" leads after a CSRF failure. Our Referrer-Policy is no-referrer, so
 * the browser does not tell us; by the GOV.UK pattern a form posts to the URL that shows it, so we
 * offer that path when a GET route exists for it, or the route's own `config.formPage` (a
 * same-origin path), else the start page.
 */
function formPageOf(request: FastifyRequest): string {
  const path = pathOnly(request.url);
  const pattern = request.routeOptions?.url;
  if (pattern && request.server.hasRoute({ method: 'GET', url: pattern })) return path;
  const formPage = request.routeOptions?.config?.formPage;
  if (typeof formPage === 'string' && formPage.startsWith('/') && !formPage.startsWith('//')) {
    return formPage;
  }
  return '/';
}

function quality(accept: string, type: string): number {
  let best = -1;
  for (const part of accept.split(',')) {
    const [media, ...params] = part.trim().toLowerCase().split(';');
    if (media !== type && media !== '*/*' && media !== `${type.split('/')[0]}/*`) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q ? Number.parseFloat(q.slice(2)) : 1;
    // A more specific match wins over a wildcard regardless of order.
    const weight = media === type ? value + 0.0001 : value;
    best = Math.max(best, Number.isNaN(weight) ? 0 : weight);
  }
  return best;
}

/** `/api/` and `/admin/api/` routes, and clients that prefer JSON to HTML, get problem+json. */
export function wantsProblemJson(request: FastifyRequest): boolean {
  const path = pathOnly(request.url);
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/admin/api/')) return true;
  const accept = request.headers.accept;
  if (!accept) return false;
  const json = Math.max(quality(accept, 'application/problem+json'), quality(accept, 'application/json'));
  return json > 0 && json > quality(accept, 'text/html');
}

export function problemJson(e: PublicError): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: `urn:govbridge:problem:${e.code}`,
    title: problemTitle(e.status),
    status: e.status,
    detail: e.message,
    code: e.code,
  };
  if (e.retryUrl) out['retryUrl'] = e.retryUrl;
  return out;
}

function problemTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    413: 'Content Too Large',
    414: 'URI Too Long',
    415: 'Unsupported Media Type',
    429: 'Too Many Requests',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return titles[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}

export interface ErrorResponder {
  send(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

/** Told of every error response, by its stable code and status (metrics; ADR 14). */
export interface ErrorResponseObserver {
  responded(code: string, status: number): void;
}

/** The language of an error page: its view context (locale, htmlLang, switcher) and messages. */
export type ErrorPageLanguage = (request: FastifyRequest) => {
  context: ViewContext & { locale: string };
  t: Translate;
};

const englishOnly = (() => {
  let t: Translate | undefined;
  return () => {
    t ??= loadCatalogues().translator('en');
    return { context: { locale: 'en', htmlLang: 'en' }, t };
  };
})();

export function createErrorResponder(
  views: Views,
  observer?: ErrorResponseObserver,
  language: ErrorPageLanguage = englishOnly,
): ErrorResponder {
  return {
    send(err, request, reply) {
      const e = toPublicError(err);
      observer?.responded(e.code, e.status);
      if (e.code === 'database_unavailable') {
        // An outage, not a bug: one warn line with the stable code and the driver's code (`dbError`: a SQLSTATE,
        // errno name or SQLITE_* name), never the error object (its message can quote a query).
        const detail = databaseOutageOf(err)?.detail;
        request.log.warn(
          {
            errorCode: e.code,
            dbError: detail?.['driverCode'],
            reason: detail?.['reason'],
            statusCode: e.status,
          },
          'database unavailable',
        );
      } else if (e.status >= 500) {
        request.log.error({ err, errorCode: e.code, statusCode: e.status }, 'request failed');
      } else {
        // Client errors are routine: no error object (it may echo input), no body.
        request.log.info({ errorCode: e.code, statusCode: e.status }, 'client error');
      }
      reply.code(e.status);
      const retryAfter = retryAfterSeconds(e);
      if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
      // Error responses are about this request only; never let a cache keep them.
      reply.header('cache-control', 'no-store');
      if (wantsProblemJson(request)) {
        return reply.type('application/problem+json; charset=utf-8').send(JSON.stringify(problemJson(e)));
      }
      const { context, t } = language(request);
      const content = pageContent(e, request, t, context.locale);
      let html: string;
      try {
        html = views.render('error.njk', {
          ...context,
          ...content,
          reference: e.status >= 500 ? String(request.id) : undefined,
        });
      } catch (renderError) {
        // A broken template must not turn into Fastify's default handler (which would echo the
        // render error's message): log it and answer in plain words.
        request.log.error({ err: renderError }, 'error page failed to render');
        return reply.type('text/plain; charset=utf-8').send(`${content.heading}\n`);
      }
      if (typeof context['htmlLang'] === 'string') reply.header('content-language', context['htmlLang']);
      return reply.type('text/html; charset=utf-8').send(html);
    },
  };
}

/**
 * Install the mapping as the error and not-found handlers. Must be called from a plugin that is
 * not encapsulated (webFoundation), so that it applies to every route registered after it.
 */
export function registerErrorHandling(app: FastifyInstance, responder: ErrorResponder): void {
  app.setErrorHandler((err: FastifyError, request, reply) => responder.send(err, request, reply));
  app.setNotFoundHandler((request, reply) => {
    responder.send({ statusCode: 404, code: 'FST_ERR_NOT_FOUND', message: 'Not found' }, request, reply);
  });
}

const frameworkResponders = new WeakMap<object, { responder: ErrorResponder; config: Config }>();

export function rememberFrameworkResponder(app: FastifyInstance, responder: ErrorResponder, config: Config) {
  frameworkResponders.set(app, { responder, config });
}

/**
 * Pass as `Fastify({ frameworkErrors: webFrameworkErrors })` (in app.ts): Fastify answers a
 * malformed URL (bad percent-encoding) before routing — no hooks, no error handler — with a JSON body
 * that echoes the path. This gives it the same page/problem+json and security headers as every
 * other error.
 */
export function webFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const found = frameworkResponders.get(request.server);
  if (!found) {
    reply.code(400).type('text/plain; charset=utf-8').send('Bad request');
    return;
  }
  // The helmet hook did not run for this request; set the headers that matter for an HTML page.
  reply.header('content-security-policy', contentSecurityPolicyHeader(found.config));
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  found.responder.send(error, request, reply);
}
