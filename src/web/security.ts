import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Config } from '../config/index.ts';

/**
 * Security headers, cookies and CSRF protection for every page of the hub.
 *
 * Content Security Policy: scripts and styles from our own origin only — no 'unsafe-inline', no
 * nonces, because no page has inline script or style (see templates/document.njk and
 * public/app.js). `frame-ancestors 'none'` (and X-Frame-Options DENY for old browsers) stops
 * click-jacking of consent and login pages.
 *
 * `form-action` is NOT 'self' alone, on purpose: browsers apply it to the whole redirect chain
 * after a form is submitted (CSP3 §6.4.1), and a hub form post legitimately ends in a redirect to
 * another origin — the consent form redirects to the relying party's `redirect_uri` (registered at
 * run time, so not listable here), the scheme-choice form to Singpass or One Login. So we allow
 * 'self' plus any https origin (plus http in development, where the public URL is http), which
 * still refuses `javascript:`/`data:` targets and, in production, plaintext ones. A route that
 * knows its targets can tighten it with Fastify's per-route `helmet` option.
 */
export interface SecurityOptions {
  config: Pick<Config, 'publicUrl'>;
  cookieSecret: string;
  /** Extra `form-action` sources (e.g. a fixed partner origin); rarely needed, see above. */
  formActionSources?: readonly string[];
}

/** Base name of the CSRF secret cookie (`__Host-` prefixed over https). */
export const CSRF_COOKIE = 'govbridge-csrf';

export function isHttps(config: Pick<Config, 'publicUrl'>): boolean {
  return config.publicUrl.startsWith('https://');
}

export function contentSecurityPolicyDirectives(
  config: Pick<Config, 'publicUrl'>,
  formActionSources: readonly string[] = [],
): Record<string, string[]> {
  const https = isHttps(config);
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'", 'https:', ...(https ? [] : ['http:']), ...formActionSources],
  };
  if (https) directives['upgrade-insecure-requests'] = [];
  return directives;
}

/** The CSP as a header value, for responses that bypass the helmet hook (framework errors). */
export function contentSecurityPolicyHeader(config: Pick<Config, 'publicUrl'>): string {
  return Object.entries(contentSecurityPolicyDirectives(config))
    .map(([k, v]) => [k, ...v].join(' '))
    .join('; ');
}

/** Cookie name for a hub cookie: `__Host-` prefixed over https (host-only, Secure, Path=/). */
export function hubCookieName(config: Pick<Config, 'publicUrl'>, base: string): string {
  return isHttps(config) ? `__Host-${base}` : base;
}

/** Attributes for every hub cookie: signed, HttpOnly, SameSite=Lax, Secure over https, Path=/. */
export function hubCookieOptions(config: Pick<Config, 'publicUrl'>) {
  return {
    path: '/',
    httpOnly: true,
    // Lax, not Strict: a person coming back from Singpass or One Login (a top-level cross-site
    // navigation) must still carry their hub cookies.
    sameSite: 'lax' as const,
    secure: isHttps(config),
    signed: true,
  };
}

export async function registerSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  const { config } = options;
  const https = isHttps(config);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: contentSecurityPolicyDirectives(config, options.formActionSources),
    },
    // HSTS over plain http is ignored by browsers at best and misleading at worst.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    // Authorization responses put codes and states in URLs; never leak them in a Referer.
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCookie, { secret: options.cookieSecret });
  await app.register(fastifyCsrfProtection, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: hubCookieName(config, CSRF_COOKIE),
    cookieOpts: hubCookieOptions(config),
    // The token comes from the form field only (or a header, for script-driven requests); never
    // from the query string, where it would end up in logs and history.
    getToken: (req: FastifyRequest) => {
      const body = req.body as Record<string, unknown> | undefined;
      const field = body && typeof body === 'object' ? body['_csrf'] : undefined;
      if (typeof field === 'string') return field;
      const header = req.headers['x-csrf-token'];
      return typeof header === 'string' ? header : undefined;
    },
  });
}

const tokens = new WeakMap<FastifyRequest, string>();

/**
 * The CSRF token for this request's pages: one per request (the secret cookie is set only the
 * first time a browser gets a form, and reused after).
 */
export function csrfTokenFor(reply: FastifyReply): string {
  const existing = tokens.get(reply.request);
  if (existing) return existing;
  const token = reply.generateCsrf();
  tokens.set(reply.request, token);
  return token;
}

/**
 * preHandler for every route that accepts an HTML form post: `{ preHandler: verifyCsrf }`.
 * A missing or wrong token ends in the 403 "This form has expired" page (errors.ts).
 */
export function verifyCsrf(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  request.server.csrfProtection(request, reply, done);
}
