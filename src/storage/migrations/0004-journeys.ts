import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // A citizen's saved life-event journeys: the event and its date, the answers given so far (JSON
  // object factId → value, null for "I don't know") and the steps marked done (JSON list of service
  // ids). The journey itself is worked out again from the catalogue on every read, never stored.
  await db.schema
    .createTable('journeys')
    .addColumn('journey_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.account_id'))
    .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('event_date', 'varchar(10)', (c) => c.notNull())
    .addColumn('answers', 'text', (c) => c.notNull())
    .addColumn('steps_done', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('journeys_account').on('journeys').column('account_id').execute();
}
