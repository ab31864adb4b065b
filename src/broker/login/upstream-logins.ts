import { type Clock, GovbridgeError, seal, sha256b64u, unseal } from '../../kernel/index.ts';
import type { Storage } from '../../storage/index.ts';
import type { SchemeId } from '../../trust/index.ts';

/**
 * The upstream logins in flight: one row per request the hub sent to a national scheme, keyed by
 * the SHA-256 of its `state` (the state itself is never stored).
 *
 * Rules it enforces:
 * - a state works once: `claim` marks it used and returns it in one statement, so two callbacks
 *   with the same state cannot both go on (replay);
 * - a state works only for its scheme and only until it expires (10 minutes);
 * - what travels with it (the connector's transaction: PKCE verifier, nonce, DPoP key; a result
 *   waiting for consent) is sealed under the hub's key, bound to the state's hash;
 * - at most MAX_UPSTREAM_STARTS_PER_INTERACTION starts per interaction (`startsFor`), counted in
 *   the database so every process sees them.
 */
export type UpstreamPurpose = 'interaction' | 'account';

export interface ClaimedUpstream<T> {
  stateHash: string;
  purpose: UpstreamPurpose;
  interactionUid: string | null;
  createdAt: number;
  transaction: T;
}

export const UPSTREAM_TTL_MS = 10 * 60 * 1000;

export class UpstreamLoginStore {
  readonly #storage: Storage;
  readonly #kek: Uint8Array;
  readonly #clock: Clock;

  constructor(storage: Storage, kek: Uint8Array, clock: Clock) {
    this.#storage = storage;
    this.#kek = kek;
    this.#clock = clock;
  }

  /** How many upstream logins this interaction has started. */
  async startsFor(interactionUid: string): Promise<number> {
    const row = await this.#storage.db
      .selectFrom('upstream_logins')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('interaction_uid', '=', interactionUid)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async save(
    state: string,
    scheme: SchemeId,
    purpose: UpstreamPurpose,
    owner: string | null,
    transaction: unknown,
  ): Promise<void> {
    const stateHash = sha256b64u(state);
    const now = this.#clock.now().getTime();
    await this.#storage.db
      .insertInto('upstream_logins')
      .values({
        state_hash: stateHash,
        interaction_uid: owner,
        purpose,
        scheme,
        transaction_sealed: seal(this.#kek, JSON.stringify(transaction), `upstream:${stateHash}`),
        result_sealed: null,
        created_at: now,
        expires_at: now + UPSTREAM_TTL_MS,
        completed_at: null,
      })
      .execute();
  }

  /** Who a state belongs to, used or not (to route a callback); undefined when unknown. */
  async owner(
    state: string,
    scheme: SchemeId,
  ): Promise<{ purpose: UpstreamPurpose; interactionUid: string | null } | undefined> {
    const row = await this.#storage.db
      .selectFrom('upstream_logins')
      .select(['purpose', 'interaction_uid'])
      .where('state_hash', '=', sha256b64u(state))
      .where('scheme', '=', scheme)
      .executeTakeFirst();
    return row ? { purpose: row.purpose as UpstreamPurpose, interactionUid: row.interaction_uid } : undefined;
  }

  /** The upstream login a state names, still unused and unexpired (not used up by looking). */
  async pending(
    state: string,
    scheme: SchemeId,
  ): Promise<{ purpose: UpstreamPurpose; interactionUid: string | null }> {
    const row = await this.#storage.db
      .selectFrom('upstream_logins')
      .select(['purpose', 'interaction_uid'])
      .where('state_hash', '=', sha256b64u(state))
      .where('scheme', '=', scheme)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', this.#clock.now().getTime())
      .executeTakeFirst();
    if (!row) throw invalidState();
    return { purpose: row.purpose as UpstreamPurpose, interactionUid: row.interaction_uid };
  }

  /** Mark the state used and return what was saved with it, in one statement: a state works once. */
  async claim<T>(state: string, scheme: SchemeId): Promise<ClaimedUpstream<T>> {
    const stateHash = sha256b64u(state);
    const now = this.#clock.now().getTime();
    const row = await this.#storage.db
      .updateTable('upstream_logins')
      .set({ completed_at: now })
      .where('state_hash', '=', stateHash)
      .where('scheme', '=', scheme)
      .where('completed_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['purpose', 'interaction_uid', 'created_at', 'transaction_sealed'])
      .executeTakeFirst();
    if (!row) throw invalidState();
    return {
      stateHash,
      purpose: row.purpose as UpstreamPurpose,
      interactionUid: row.interaction_uid,
      createdAt: Number(row.created_at),
      transaction: JSON.parse(unseal(this.#kek, row.transaction_sealed, `upstream:${stateHash}`)) as T,
    };
  }

  /** Keep a login's result, sealed, for the consent decision (a later request, maybe another process). */
  async keepResult(stateHash: string, result: unknown): Promise<void> {
    await this.#storage.db
      .updateTable('upstream_logins')
      .set({ result_sealed: seal(this.#kek, JSON.stringify(result), `result:${stateHash}`) })
      .where('state_hash', '=', stateHash)
      .execute();
  }

  /** The newest result of this interaction waiting for a consent decision, or undefined. */
  async waitingResult<T>(interactionUid: string): Promise<T | undefined> {
    const row = await this.#storage.db
      .selectFrom('upstream_logins')
      .select(['state_hash', 'result_sealed'])
      .where('interaction_uid', '=', interactionUid)
      .where('result_sealed', 'is not', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (!row?.result_sealed) return undefined;
    return JSON.parse(unseal(this.#kek, row.result_sealed, `result:${row.state_hash}`)) as T;
  }
}

export function invalidState(): GovbridgeError {
  return new GovbridgeError(
    'bad_request',
    'This sign-in response is not valid: it has expired, was already used, or was not started here. Start again from the service.',
    { detail: { check: 'state' } },
  );
}
