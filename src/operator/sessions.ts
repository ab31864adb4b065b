import { createHash, randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import type { OperatorRole } from './audit-trail.ts';

/** Who is signed in to the console. */
export interface OperatorIdentity {
  readonly subject: string;
  readonly name: string;
  readonly role: OperatorRole;
  /** `oidc` (the operators' OpenID Provider) or `link` (a one-time sign-in link). */
  readonly via: 'oidc' | 'link';
}

export interface OperatorSession extends OperatorIdentity {
  readonly expiresAt: number;
}

/** Eight hours: a working day in the console, then sign in again. */
export const OPERATOR_SESSION_MS = 8 * 3600_000;
/** A sign-in link lives ten minutes and works once. */
export const SIGN_IN_LINK_MS = 10 * 60_000;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Operators' sessions and one-time sign-in links, kept in the database as SHA-256 of their random
 * values only (a database read yields nothing usable), so every hub process shares them and signing
 * out ends a session everywhere at once.
 */
export class OperatorSessions {
  readonly #storage: Storage;
  readonly #clock: Clock;

  constructor(storage: Storage, clock: Clock = systemClock) {
    this.#storage = storage;
    this.#clock = clock;
  }

  /** A one-time sign-in link token for this person and role (the CLI prints it as a URL). */
  async createLink(
    subject: string,
    name: string,
    role: OperatorRole,
  ): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#clock.now().getTime();
    const expiresAt = now + SIGN_IN_LINK_MS;
    await this.#storage.db
      .insertInto('operator_sign_in_links')
      .values({
        token_hash: digest(token),
        subject,
        name,
        role,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    return { token, expiresAt };
  }

  /**
   * Use a link: the identity it was made for, or why not (`unknown`, `used`, `expired`). Used once:
   * the update that marks it used is the check, so two tabs racing get one session between them.
   */
  async redeemLink(token: string): Promise<OperatorIdentity | 'unknown' | 'used' | 'expired'> {
    if (!TOKEN.test(token)) return 'unknown';
    const hash = digest(token);
    const now = this.#clock.now().getTime();
    const row = await this.#storage.db
      .selectFrom('operator_sign_in_links')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return 'unknown';
    if (row.used_at !== null) return 'used';
    if (Number(row.expires_at) <= now) return 'expired';
    const r = await this.#storage.db
      .updateTable('operator_sign_in_links')
      .set({ used_at: now })
      .where('token_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return 'used';
    return {
      subject: row.subject,
      name: row.name,
      role: row.role === 'operator' ? 'operator' : 'viewer',
      via: 'link',
    };
  }

  async create(identity: OperatorIdentity): Promise<{ sessionId: string; expiresAt: number }> {
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.#clock.now().getTime();
    const expiresAt = now + OPERATOR_SESSION_MS;
    await this.#storage.db
      .insertInto('operator_sessions')
      .values({
        session_id_hash: digest(sessionId),
        subject: identity.subject,
        name: identity.name,
        role: identity.role,
        via: identity.via,
        created_at: now,
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    return { sessionId, expiresAt };
  }

  async get(sessionId: string): Promise<OperatorSession | undefined> {
    if (!TOKEN.test(sessionId)) return undefined;
    const row = await this.#storage.db
      .selectFrom('operator_sessions')
      .selectAll()
      .where('session_id_hash', '=', digest(sessionId))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || Number(row.expires_at) <= this.#clock.now().getTime())
      return undefined;
    return {
      subject: row.subject,
      name: row.name,
      role: row.role === 'operator' ? 'operator' : 'viewer',
      via: row.via === 'oidc' ? 'oidc' : 'link',
      expiresAt: Number(row.expires_at),
    };
  }

  async revoke(sessionId: string): Promise<void> {
    if (!TOKEN.test(sessionId)) return;
    await this.#storage.db
      .updateTable('operator_sessions')
      .set({ revoked_at: this.#clock.now().getTime() })
      .where('session_id_hash', '=', digest(sessionId))
      .execute();
  }

  /** Delete expired sessions and links (any process, idempotent). */
  async sweep(): Promise<void> {
    const now = this.#clock.now().getTime();
    await this.#storage.db.deleteFrom('operator_sessions').where('expires_at', '<=', now).execute();
    await this.#storage.db.deleteFrom('operator_sign_in_links').where('expires_at', '<=', now).execute();
  }
}
