import { type Clock, systemClock, uuid } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

/**
 * A hub account is one national identity: (scheme, upstream subject). Two schemes are two accounts;
 * the hub never links identities on its own (automatic linking on a matching e-mail or name is an
 * account-takeover path — see Keycloak #53041 in the assurance reference).
 */
export async function findOrCreateAccount(
  storage: Storage,
  scheme: string,
  upstreamSubject: string,
  clock: Clock = systemClock,
): Promise<string> {
  const now = clock.now().getTime();
  // A returning account (nearly every login) is one read: `last_login_at` is refreshed only when it
  // is more than LAST_LOGIN_PRECISION_MS old, so it is exact to the hour, not the second.
  const found = await storage.db
    .selectFrom('accounts')
    .select(['account_id', 'last_login_at'])
    .where('scheme', '=', scheme)
    .where('upstream_subject', '=', upstreamSubject)
    .executeTakeFirst();
  if (found) {
    if (now - Number(found.last_login_at) >= LAST_LOGIN_PRECISION_MS) {
      await storage.db
        .updateTable('accounts')
        .set({ last_login_at: now })
        .where('account_id', '=', found.account_id)
        .execute();
    }
    return found.account_id;
  }
  await storage.db
    .insertInto('accounts')
    .values({
      account_id: uuid(),
      scheme,
      upstream_subject: upstreamSubject,
      created_at: now,
      last_login_at: now,
    })
    .onConflict((oc) => oc.columns(['scheme', 'upstream_subject']).doUpdateSet({ last_login_at: now }))
    .execute();
  // Read back: a login of the same person in another process may have created it first.
  const row = await storage.db
    .selectFrom('accounts')
    .select('account_id')
    .where('scheme', '=', scheme)
    .where('upstream_subject', '=', upstreamSubject)
    .executeTakeFirstOrThrow();
  return row.account_id;
}

/** How stale `accounts.last_login_at` may be before a login writes it again (one hour). */
export const LAST_LOGIN_PRECISION_MS = 60 * 60 * 1000;
