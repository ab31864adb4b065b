import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // Tell Us Once (issue "Tell Us Once across the border"). Agencies that receive notifications, what
  // each is entitled to per event type, the citizens' reports, and the transactional outbox: one
  // notification row per entitled agency, written in the same transaction as its report.
  await db.schema
    .createTable('agencies')
    .addColumn('agency_id', 'varchar(32)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('country', 'varchar(2)', (c) => c.notNull())
    .addColumn('website', 'varchar(2048)', (c) => c.notNull())
    .addColumn('environment', 'varchar(64)', (c) => c.notNull())
    .addColumn('endpoint', 'varchar(2048)', (c) => c.notNull())
    // Public encryption key (JWK, EC P-256) the hub encrypts personal data to.
    .addColumn('encryption_jwk', 'text', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    // active | suspended (a suspended agency is offered nothing new; queued notifications wait).
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('agency_subscriptions')
    .addColumn('agency_id', 'varchar(32)', (c) => c.notNull().references('agencies.agency_id'))
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    // JSON list of the payload fields the agency is entitled to for this event type.
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agency_subscriptions_pk', ['agency_id', 'event_type'])
    .execute();

  await db.schema
    .createTable('reports')
    .addColumn('report_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('journey_id', 'varchar(64)')
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('occurred_on', 'varchar(10)', (c) => c.notNull())
    // The whole report (every field), sealed with the key-encryption key, bound to the report id.
    .addColumn('payload_sealed', 'text', (c) => c.notNull())
    // A form's one-time key: the same confirmation submitted twice makes one report.
    .addColumn('submission_key', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('reports_submission', ['account_id', 'submission_key'])
    .execute();
  await db.schema.createIndex('reports_account').on('reports').column('account_id').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('notification_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('report_id', 'varchar(64)', (c) => c.notNull().references('reports.report_id'))
    .addColumn('agency_id', 'varchar(32)', (c) => c.notNull().references('agencies.agency_id'))
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    // JSON list of the field names this agency receives (names only; values are in payload_sealed).
    .addColumn('attributes', 'text', (c) => c.notNull())
    // The agency's minimised payload, sealed with the key-encryption key, bound to the notification id.
    .addColumn('payload_sealed', 'text', (c) => c.notNull())
    // pending → sending → delivered | retrying → … | dead (dead letter: needs an operator)
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // Attempts allowed: the agency's limit when written; an operator's replay grants as many again.
    .addColumn('attempt_limit', 'integer', (c) => c.notNull())
    // When the row may next be claimed: a retry's time, or the end of a claim's lease.
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claim_token', 'varchar(64)')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notifications_due')
    .on('notifications')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema.createIndex('notifications_report').on('notifications').column('report_id').execute();
  await db.schema
    .createIndex('notifications_agency')
    .on('notifications')
    .columns(['agency_id', 'state'])
    .execute();

  // Failed attempts, for the operator: when, the HTTP status (null for a network error or timeout)
  // and the reason. Bounded by the agency's attempt limit.
  await db.schema
    .createTable('notification_failures')
    .addColumn('notification_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('error', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_failures_pk', ['notification_id', 'attempt'])
    .execute();
}
