import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // What each demo Tell Us Once agency (src/demo/agencies) has received: its own store, kept in the
  // hub's database so every hub process shares it. The primary key (agency_id, event_id) is the
  // de-duplication: a redelivered event's INSERT … ON CONFLICT DO NOTHING inserts nothing, atomically,
  // and only `duplicates` is incremented. The attributes (personal data) are sealed with the agency's
  // own key (AES-256-GCM, bound to agency and event id).
  await db.schema
    .createTable('demo_agency_inbox')
    .addColumn('agency_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('event_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('subject', 'varchar(200)', (c) => c.notNull())
    .addColumn('event_time', 'varchar(64)', (c) => c.notNull())
    .addColumn('occurred_on', 'varchar(10)')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('attributes_sealed', 'text', (c) => c.notNull())
    .addColumn('duplicates', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('demo_agency_inbox_pk', ['agency_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('demo_agency_inbox_received')
    .on('demo_agency_inbox')
    .columns(['agency_id', 'received_at'])
    .execute();
}
