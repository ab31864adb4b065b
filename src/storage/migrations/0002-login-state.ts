import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // One row per upstream (national scheme) login in flight: looked up by the hash of the `state`
  // the hub sent upstream, bound to the oidc-provider interaction (or a hub account sign-in), used
  // once. The connector transaction and, after the callback, the mapped identity are sealed.
  await db.schema
    .createTable('upstream_logins')
    .addColumn('state_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('interaction_uid', 'varchar(255)')
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    .addColumn('scheme', 'varchar(32)', (c) => c.notNull())
    .addColumn('transaction_sealed', 'text', (c) => c.notNull())
    .addColumn('result_sealed', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('upstream_logins_uid')
    .on('upstream_logins')
    .column('interaction_uid')
    .execute();
  await db.schema.createIndex('upstream_logins_expiry').on('upstream_logins').column('expires_at').execute();

  // Claims released to a relying party for one grant, sealed, kept only until the grant's tokens
  // expire, so that the token and userinfo endpoints (on any process) can serve them.
  await db.schema
    .createTable('grant_claims')
    .addColumn('grant_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('claims_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('grant_claims_expiry').on('grant_claims').column('expires_at').execute();
}
