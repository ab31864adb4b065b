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
  const row = await storage.db
    .selectFrom('accounts')
    .select('account_id')
    .where('scheme', '=', scheme)
    .where('upstream_subject', '=', upstreamSubject)
    .executeTakeFirstOrThrow();
  return row.account_id;
}
