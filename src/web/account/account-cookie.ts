import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountSessionStore } from '../../broker/index.ts';
import type { Config } from '../../config/index.ts';
import { hubCookieName, hubCookieOptions } from '../security.ts';

/**
 * The citizen's sign-in to the hub's own pages (consents, releases, life-event journeys, Tell Us
 * Once): a signed cookie holding a random session id, looked up in the database on every read
 * (`AccountSessionStore`, src/broker/account-sessions.ts). Signing out revokes the session on the
 * server, so a copy of the cookie taken earlier is refused from then on, by every hub process.
 * Short-lived on purpose (30 minutes): the pages are for a quick check.
 */
declare module 'fastify' {
  interface FastifyInstance {
    /** Set once on the root instance by the composition root (app.ts). */
    accountSessions?: AccountSessionStore;
  }
}

function store(req: FastifyRequest): AccountSessionStore {
  const sessions = req.server.accountSessions;
  // Fail closed: without the store no one is signed in (and the wiring mistake is loud).
  if (!sessions) throw new Error('account sessions are not configured (app.decorate("accountSessions"))');
  return sessions;
}

function cookieName(config: Config): string {
  return hubCookieName(config, 'govbridge-account');
}

/** The session id this browser presents (signature checked), or undefined. */
function presentedSessionId(req: FastifyRequest, config: Config): string | undefined {
  const raw = req.cookies[cookieName(config)];
  if (!raw) return undefined;
  const unsigned = req.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/** Sign the browser in as `accountId`: a new server-side session (any earlier one is ended). */
export async function setAccountCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  config: Config,
  accountId: string,
): Promise<void> {
  const sessions = store(req);
  const previous = presentedSessionId(req, config);
  if (previous) await sessions.revoke(previous);
  const { sessionId, expiresAt } = await sessions.create(accountId);
  reply.setCookie(cookieName(config), sessionId, {
    ...hubCookieOptions(config),
    maxAge: Math.floor((expiresAt - Date.now()) / 1000),
  });
}

/** Sign out: the session is revoked on the server (a copied cookie dies too), the cookie cleared. */
export async function endAccountSession(
  req: FastifyRequest,
  reply: FastifyReply,
  config: Config,
): Promise<void> {
  const sessionId = presentedSessionId(req, config);
  if (sessionId) await store(req).revoke(sessionId);
  reply.clearCookie(cookieName(config), { path: '/' });
}

/**
 * The same for a request the OpenID Provider answers (its logout endpoint, outside Fastify's
 * routing): revoke the session named by the request's cookie and add a header clearing it.
 */
export async function endAccountSessionOfRaw(
  app: FastifyInstance,
  config: Config,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const raw = app.parseCookie(req.headers.cookie ?? '')[cookieName(config)];
  if (!raw) return;
  const unsigned = app.unsignCookie(raw);
  if (unsigned.valid && unsigned.value) await app.accountSessions?.revoke(unsigned.value);
  const { signed: _signed, ...options } = hubCookieOptions(config);
  res.appendHeader('set-cookie', app.serializeCookie(cookieName(config), '', { ...options, maxAge: 0 }));
}

/** The signed-in account: a live (unrevoked, unexpired) session named by a validly signed cookie. */
export async function accountFromCookie(req: FastifyRequest, config: Config): Promise<string | undefined> {
  const sessionId = presentedSessionId(req, config);
  if (!sessionId) return undefined;
  const found = await store(req).lookup(sessionId);
  if ('accountId' in found) return found.accountId;
  // A genuine (signed) cookie whose session is over: after sign-out that is a copy being replayed,
  // or a tab left open. Visible to the operator; never the id itself.
  req.log.warn(
    { event: 'account_session_refused', code: 'account_session_refused', check: found.refused },
    'account session cookie names no live session: treated as signed out',
  );
  return undefined;
}

/** Binds an account sign-in to the browser that started it. */
export function bindingCookieName(config: Config): string {
  return hubCookieName(config, 'govbridge-account-signin');
}
