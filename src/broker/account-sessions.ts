import { type Clock, randomId, sha256b64u, systemClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

/** How long a sign-in to the hub's own pages lasts: short on purpose, the pages are for a quick check. */
export const ACCOUNT_SESSION_SECONDS = 30 * 60;

/** Why a presented session id names no one: signed out, timed out, swept or never issued, not an id. */
export type AccountSessionRefusal = 'revoked' | 'expired' | 'unknown' | 'malformed';

/** Told of each refused session id, by the check that failed (metrics; never the id). */
export interface AccountSessionObserver {
  refused(check: AccountSessionRefusal): void;
}

/**
 * Citizens' sign-ins to the hub's own pages (consents, releases, life-event journeys, Tell Us
 * Once), kept in the database so that every hub process sees the same state and signing out ends
 * the session on the server: a copy of the cookie taken before sign-out is refused afterwards.
 *
 * The browser holds a random 256-bit id (in a signed cookie, see src/web/account/account-cookie.ts);
 * the table holds only its SHA-256, so reading the database gives no cookie that works.
 */
export class AccountSessionStore {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #observer: AccountSessionObserver | undefined;
  constructor(storage: Storage, clock: Clock = systemClock, observer?: AccountSessionObserver) {
    this.#storage = storage;
    this.#clock = clock;
    this.#observer = observer;
  }

  /** Start a session for an account; returns the id for the cookie (never stored as such). */
  async create(
    accountId: string,
    ttlSeconds: number = ACCOUNT_SESSION_SECONDS,
  ): Promise<{ sessionId: string; expiresAt: number }> {
    const sessionId = randomId(32);
    const now = this.#clock.now().getTime();
    const expiresAt = now + ttlSeconds * 1000;
    await this.#storage.db
      .insertInto('account_sessions')
      .values({
        session_id_hash: sha256b64u(sessionId),
        account_id: accountId,
        created_at: now,
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    return { sessionId, expiresAt };
  }

  /** The account of a live session: not revoked, not expired; otherwise undefined. */
  async account(sessionId: string): Promise<string | undefined> {
    const found = await this.lookup(sessionId);
    return 'accountId' in found ? found.accountId : undefined;
  }

  /** The account of a live session, or why the id names no one (for the refusal log line). */
  async lookup(sessionId: string): Promise<{ accountId: string } | { refused: AccountSessionRefusal }> {
    const found = await this.#lookup(sessionId);
    if ('refused' in found) this.#observer?.refused(found.refused);
    return found;
  }

  async #lookup(sessionId: string): Promise<{ accountId: string } | { refused: AccountSessionRefusal }> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return { refused: 'malformed' };
    const row = await this.#storage.db
      .selectFrom('account_sessions')
      .select(['account_id', 'expires_at', 'revoked_at'])
      .where('session_id_hash', '=', sha256b64u(sessionId))
      .executeTakeFirst();
    if (!row) return { refused: 'unknown' };
    if (row.revoked_at !== null) return { refused: 'revoked' };
    if (Number(row.expires_at) <= this.#clock.now().getTime()) return { refused: 'expired' };
    return { accountId: row.account_id };
  }

  /** End a session (sign-out). Idempotent; an unknown id is ignored. */
  async revoke(sessionId: string): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return;
    await this.#storage.db
      .updateTable('account_sessions')
      .set({ revoked_at: this.#clock.now().getTime() })
      .where('session_id_hash', '=', sha256b64u(sessionId))
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Delete sessions past their expiry (revoked or not). Safe to run from every process. */
  async sweep(now: number = this.#clock.now().getTime()): Promise<number> {
    const r = await this.#storage.db
      .deleteFrom('account_sessions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
