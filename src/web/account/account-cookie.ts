import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import { hubCookieName, hubCookieOptions } from '../security.ts';

/**
 * The citizen's sign-in to the hub's own pages (their consents): a signed cookie naming the hub
 * account and when it stops being valid. Short-lived on purpose: the pages are for a quick check.
 */
const MAX_AGE_SECONDS = 30 * 60;

export function setAccountCookie(reply: FastifyReply, config: Config, accountId: string): void {
  const exp = Math.floor(Date.now() / 1000) + MAX_AGE_SECONDS;
  reply.setCookie(hubCookieName(config, 'govbridge-account'), `${accountId}|${exp}`, {
    ...hubCookieOptions(config),
    maxAge: MAX_AGE_SECONDS,
  });
}

export function clearAccountCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(hubCookieName(config, 'govbridge-account'), { path: '/' });
}

export function accountFromCookie(req: FastifyRequest, config: Config): string | undefined {
  const raw = req.cookies[hubCookieName(config, 'govbridge-account')];
  if (!raw) return undefined;
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  const [accountId, exp] = unsigned.value.split('|');
  if (!accountId || !exp || Number(exp) < Date.now() / 1000) return undefined;
  return accountId;
}

/** Binds an account sign-in to the browser that started it. */
export function bindingCookieName(config: Config): string {
  return hubCookieName(config, 'govbridge-account-signin');
}
