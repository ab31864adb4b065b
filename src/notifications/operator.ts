import { type Clock, GovbridgeError, systemClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import type { NotificationState } from './types.ts';

export interface QueueRow {
  agencyId: string;
  state: NotificationState;
  count: number;
  /** Oldest `created_at` among them (ms). */
  oldest: number;
}

export interface NotificationRecord {
  notificationId: string;
  reportId: string;
  agencyId: string;
  eventType: string;
  attributes: string[];
  state: NotificationState;
  attempts: number;
  attemptLimit: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface FailureRecord {
  attempt: number;
  at: number;
  status: number | null;
  error: string;
}

const ID = /^ntf_[A-Za-z0-9_-]{1,64}$/;
const STATES: readonly NotificationState[] = ['pending', 'sending', 'retrying', 'delivered', 'dead'];

/**
 * What an operator sees and does: queues per agency and state, failure reasons, dead letters, and
 * replay. No personal data: field names, states and reasons only.
 */
export class NotificationOperator {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #onReplay: (() => void) | undefined;

  constructor(storage: Storage, options: { clock?: Clock; onReplay?: () => void } = {}) {
    this.#storage = storage;
    this.#clock = options.clock ?? systemClock;
    this.#onReplay = options.onReplay;
  }

  async queues(): Promise<QueueRow[]> {
    const rows = await this.#storage.db
      .selectFrom('notifications')
      .select((eb) => [
        'agency_id',
        'state',
        eb.fn.countAll<number>().as('count'),
        eb.fn.min('created_at').as('oldest'),
      ])
      .groupBy(['agency_id', 'state'])
      .orderBy('agency_id')
      .orderBy('state')
      .execute();
    return rows.map((r) => ({
      agencyId: r.agency_id,
      state: r.state as NotificationState,
      count: Number(r.count),
      oldest: Number(r.oldest),
    }));
  }

  async list(
    filter: { state?: string; agencyId?: string; limit?: number } = {},
  ): Promise<NotificationRecord[]> {
    if (filter.state !== undefined && !(STATES as readonly string[]).includes(filter.state)) {
      throw new GovbridgeError('bad_request', `state must be one of ${STATES.join(', ')}`);
    }
    let q = this.#storage.db.selectFrom('notifications').selectAll();
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.agencyId) q = q.where('agency_id', '=', filter.agencyId);
    const rows = await q
      .orderBy('created_at', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
      .execute();
    return rows.map(toRecord);
  }

  async get(notificationId: string): Promise<NotificationRecord & { failures: FailureRecord[] }> {
    const row = ID.test(notificationId)
      ? await this.#storage.db
          .selectFrom('notifications')
          .selectAll()
          .where('notification_id', '=', notificationId)
          .executeTakeFirst()
      : undefined;
    if (!row) throw new GovbridgeError('not_found', `No notification "${notificationId}"`);
    const failures = await this.#storage.db
      .selectFrom('notification_failures')
      .select(['attempt', 'at', 'status', 'error'])
      .where('notification_id', '=', notificationId)
      .orderBy('attempt')
      .execute();
    return {
      ...toRecord(row),
      failures: failures.map((f) => ({
        attempt: f.attempt,
        at: Number(f.at),
        status: f.status,
        error: f.error,
      })),
    };
  }

  /**
   * Send dead letters again: each gets as many attempts again as its agency allows and is due now.
   * Only dead notifications are replayed (a delivered one is never sent twice on purpose).
   */
  async replay(filter: { notificationId?: string; agencyId?: string }): Promise<number> {
    if (!filter.notificationId && !filter.agencyId) {
      throw new GovbridgeError('bad_request', 'Say which notification or which agency to replay');
    }
    if (filter.notificationId && !ID.test(filter.notificationId)) {
      throw new GovbridgeError('not_found', `No notification "${filter.notificationId}"`);
    }
    const now = this.#clock.now().getTime();
    const replayed = await this.#storage.transaction(async (tx) => {
      let q = tx
        .selectFrom('notifications')
        .select(['notification_id', 'agency_id'])
        .where('state', '=', 'dead');
      if (filter.notificationId) q = q.where('notification_id', '=', filter.notificationId);
      if (filter.agencyId) q = q.where('agency_id', '=', filter.agencyId);
      const dead = await q.execute();
      if (dead.length === 0) return 0;
      const limits = new Map(
        (
          await tx
            .selectFrom('agencies')
            .select(['agency_id', 'max_attempts'])
            .where('agency_id', 'in', [...new Set(dead.map((d) => d.agency_id))])
            .execute()
        ).map((a) => [a.agency_id, a.max_attempts]),
      );
      for (const d of dead) {
        await tx
          .updateTable('notifications')
          .set((eb) => ({
            state: 'retrying',
            next_attempt_at: now,
            attempt_limit: eb('attempts', '+', limits.get(d.agency_id) ?? 1),
            updated_at: now,
          }))
          .where('notification_id', '=', d.notification_id)
          .where('state', '=', 'dead')
          .execute();
      }
      return dead.length;
    });
    if (filter.notificationId && replayed === 0) {
      const exists = await this.#storage.db
        .selectFrom('notifications')
        .select('state')
        .where('notification_id', '=', filter.notificationId)
        .executeTakeFirst();
      if (!exists) throw new GovbridgeError('not_found', `No notification "${filter.notificationId}"`);
      throw new GovbridgeError('conflict', `Notification is ${exists.state}, not dead: nothing to replay`, {
        status: 409,
      });
    }
    if (replayed > 0) this.#onReplay?.();
    return replayed;
  }
}

function toRecord(r: {
  notification_id: string;
  report_id: string;
  agency_id: string;
  event_type: string;
  attributes: string;
  state: string;
  attempts: number;
  attempt_limit: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}): NotificationRecord {
  return {
    notificationId: r.notification_id,
    reportId: r.report_id,
    agencyId: r.agency_id,
    eventType: r.event_type,
    attributes: JSON.parse(r.attributes) as string[],
    state: r.state as NotificationState,
    attempts: Number(r.attempts),
    attemptLimit: Number(r.attempt_limit),
    nextAttemptAt: Number(r.next_attempt_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  };
}
