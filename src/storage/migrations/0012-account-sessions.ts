import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // A citizen's sign-in to the hub's own pages (consents, releases, journeys, Tell Us Once). The
  // browser holds a random session id in a signed cookie; the hub keeps only its SHA-256, so a
  // database read gives no usable cookie. Signing out sets revoked_at: a copied cookie is dead at
  // once, in every process. Rows are swept after expires_at.
  await db.schema
    .createTable('account_sessions')
    .addColumn('session_id_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.account_id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('account_sessions_account')
    .on('account_sessions')
    .column('account_id')
    .execute();
  await db.schema
    .createIndex('account_sessions_expires')
    .on('account_sessions')
    .column('expires_at')
    .execute();
}
