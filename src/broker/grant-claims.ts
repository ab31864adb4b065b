import { type Clock, seal, systemClock, unseal } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

/**
 * Claims released for one grant, sealed at rest, readable by every hub process until the grant's
 * tokens expire, then swept. This is the only place released personal data waits between the
 * consent decision and the relying party's token/userinfo calls.
 */
export class GrantClaimsStore {
  readonly #storage: Storage;
  readonly #kek: Uint8Array;
  readonly #clock: Clock;
  constructor(storage: Storage, kek: Uint8Array, clock: Clock = systemClock) {
    this.#storage = storage;
    this.#kek = kek;
    this.#clock = clock;
  }

  async put(
    grantId: string,
    accountId: string,
    claims: Record<string, unknown>,
    ttlSeconds: number,
  ): Promise<void> {
    const now = this.#clock.now().getTime();
    const sealed = seal(this.#kek, JSON.stringify(claims), `grant:${grantId}`);
    await this.#storage.db
      .insertInto('grant_claims')
      .values({
        grant_id: grantId,
        account_id: accountId,
        claims_sealed: sealed,
        created_at: now,
        expires_at: now + ttlSeconds * 1000,
      })
      .onConflict((oc) =>
        oc.column('grant_id').doUpdateSet({ claims_sealed: sealed, expires_at: now + ttlSeconds * 1000 }),
      )
      .execute();
  }

  async find(grantId: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#storage.db
      .selectFrom('grant_claims')
      .select(['claims_sealed', 'expires_at'])
      .where('grant_id', '=', grantId)
      .executeTakeFirst();
    if (!row || row.expires_at <= this.#clock.now().getTime()) return undefined;
    return JSON.parse(unseal(this.#kek, row.claims_sealed, `grant:${grantId}`)) as Record<string, unknown>;
  }
}
