import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // Self-registered clients (Dynamic Client Registration) assert their own name, agency, country and
  // attributes; they wait for an operator's approval before any citizen sees them. Clients that
  // existed before this migration were registered by operators: approve them as of now.
  await db.schema.alterTable('clients').addColumn('approved_at', 'bigint').execute();
  await db.schema.alterTable('clients').addColumn('registered_by', 'varchar(16)').execute();
  await db.updateTable('clients').set({ approved_at: Date.now(), registered_by: 'operator' }).execute();

  // Each release names the grant it created, so withdrawing the consent can revoke its live tokens.
  await db.schema.alterTable('releases').addColumn('grant_id', 'varchar(255)').execute();
  await db.schema.createIndex('releases_consent').on('releases').column('consent_id').execute();
}
