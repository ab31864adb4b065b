import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

export interface RefusalRow {
  readonly at: number;
  readonly code: string;
  readonly check: string;
  readonly scheme: string | null;
  readonly clientId: string | null;
}

export interface RefusalSummary {
  /** Refusals since `since`, grouped by code and check, most frequent first. */
  readonly byCode: readonly { code: string; check: string; count: number; last: number }[];
  /** The newest refusals, newest first. */
  readonly latest: readonly RefusalRow[];
}

/** Kept for 30 days, then swept. */
export const REFUSAL_RETENTION_MS = 30 * 24 * 3600_000;

/**
 * Refused logins as the console shows them ("recent refusals by code"): the fields of the
 * `login_refused` warn line — code, check, scheme, client id — never a person. Recording is off the
 * login's critical path (the caller does not wait) and a failure to record never fails a login.
 */
export class RefusalLog {
  readonly #storage: Storage;
  readonly #clock: Clock;

  constructor(storage: Storage, clock: Clock = systemClock) {
    this.#storage = storage;
    this.#clock = clock;
  }

  async record(
    scheme: string | undefined,
    clientId: string | undefined,
    code: string,
    check: string,
  ): Promise<void> {
    await this.#storage.db
      .insertInto('login_refusals')
      .values({
        id: randomUUID(),
        at: this.#clock.now().getTime(),
        code: code.slice(0, 64),
        check_name: check.slice(0, 64),
        scheme: scheme?.slice(0, 32) ?? null,
        client_id: clientId?.slice(0, 128) ?? null,
      })
      .execute();
  }

  async summary(since: number, latest = 50): Promise<RefusalSummary> {
    const grouped = await this.#storage.db
      .selectFrom('login_refusals')
      .select((eb) => [
        'code',
        'check_name',
        eb.fn.countAll<number>().as('count'),
        eb.fn.max('at').as('last'),
      ])
      .where('at', '>=', since)
      .groupBy(['code', 'check_name'])
      .execute();
    const rows = await this.#storage.db
      .selectFrom('login_refusals')
      .select(['at', 'code', 'check_name', 'scheme', 'client_id'])
      .orderBy('at', 'desc')
      .limit(latest)
      .execute();
    return {
      byCode: grouped
        .map((g) => ({ code: g.code, check: g.check_name, count: Number(g.count), last: Number(g.last) }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      latest: rows.map((r) => ({
        at: Number(r.at),
        code: r.code,
        check: r.check_name,
        scheme: r.scheme,
        clientId: r.client_id,
      })),
    };
  }

  async sweep(): Promise<void> {
    const cutoff = this.#clock.now().getTime() - REFUSAL_RETENTION_MS;
    await this.#storage.db.deleteFrom('login_refusals').where('at', '<', cutoff).execute();
  }
}
