import { seal, unseal } from '../../kernel/index.ts';
import type { Db } from '../../storage/index.ts';
import type { AttributeValue, ReceivedNotification } from './receive-notification.ts';
import type { NotificationEventType } from './types.ts';

/**
 * The demo agencies' own record of what they received (`demo_agency_inbox`, migration 0009), in the
 * hub's database so that every hub process sees it and it survives restarts.
 *
 * Exactly once: the primary key is (agency_id, event_id), and a notification is recorded with
 * `INSERT … ON CONFLICT DO NOTHING`; a delivery that inserts nothing is a duplicate (the hub retried
 * after a lost answer, or two hub processes raced), and only bumps that row's `duplicates`. The
 * decision is the database's, atomically, whichever process receives the copy.
 *
 * The attributes are personal data: sealed (AES-256-GCM) with the agency's own key, bound to the
 * agency and event id, so a row cannot be read by another agency or moved to another event.
 */
export interface InboxEntry {
  readonly eventId: string;
  readonly eventType: NotificationEventType;
  readonly subject: string;
  readonly eventTime: string;
  readonly occurredOn: string | null;
  readonly receivedAt: number;
  readonly duplicates: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface InboxCounts {
  readonly received: number;
  readonly duplicates: number;
}

export class InboxStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Record a notification once: `new` the first time its event id is seen by this agency, else `duplicate`. */
  async record(
    agencyId: string,
    sealingKey: Uint8Array,
    notification: ReceivedNotification,
    receivedAt: number,
  ): Promise<'new' | 'duplicate'> {
    return this.#db.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('demo_agency_inbox')
        .values({
          agency_id: agencyId,
          event_id: notification.eventId,
          event_type: notification.eventType,
          subject: notification.subject,
          event_time: notification.time,
          occurred_on: notification.occurredOn,
          received_at: receivedAt,
          attributes_sealed: seal(
            sealingKey,
            JSON.stringify(notification.attributes),
            sealContext(agencyId, notification.eventId),
          ),
          duplicates: 0,
        })
        .onConflict((oc) => oc.columns(['agency_id', 'event_id']).doNothing())
        .returning('event_id')
        .executeTakeFirst();
      if (inserted) return 'new';
      await tx
        .updateTable('demo_agency_inbox')
        .set((eb) => ({ duplicates: eb('duplicates', '+', 1) }))
        .where('agency_id', '=', agencyId)
        .where('event_id', '=', notification.eventId)
        .execute();
      return 'duplicate';
    });
  }

  /** The newest `limit` notifications an agency received, newest first, opened. */
  async list(agencyId: string, sealingKey: Uint8Array, limit: number): Promise<InboxEntry[]> {
    const rows = await this.#db
      .selectFrom('demo_agency_inbox')
      .selectAll()
      .where('agency_id', '=', agencyId)
      .orderBy('received_at', 'desc')
      .orderBy('event_id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      eventId: row.event_id,
      eventType: row.event_type as NotificationEventType,
      subject: row.subject,
      eventTime: row.event_time,
      occurredOn: row.occurred_on,
      receivedAt: Number(row.received_at),
      duplicates: Number(row.duplicates),
      attributes: JSON.parse(
        unseal(sealingKey, row.attributes_sealed, sealContext(agencyId, row.event_id)),
      ) as Record<string, AttributeValue>,
    }));
  }

  /** For every agency that has received anything: how many notifications, and how many duplicates dropped. */
  async counts(): Promise<Map<string, InboxCounts>> {
    const rows = await this.#db
      .selectFrom('demo_agency_inbox')
      .select((eb) => [
        'agency_id',
        eb.fn.countAll<number | string | bigint>().as('received'),
        eb.fn.sum<number | string | bigint | null>('duplicates').as('duplicates'),
      ])
      .groupBy('agency_id')
      .execute();
    return new Map(
      rows.map((row) => [
        row.agency_id,
        { received: Number(row.received), duplicates: Number(row.duplicates ?? 0) },
      ]),
    );
  }
}

function sealContext(agencyId: string, eventId: string): string {
  return `demo-agency-inbox:${agencyId}:${eventId}`;
}
