import type { Kysely } from 'kysely';

// Migrations take Kysely<any> so they keep compiling when the schema types move on.
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oidc_artefacts')
    .addColumn('model', 'varchar(64)', (c) => c.notNull())
    .addColumn('id', 'varchar(255)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'varchar(255)')
    .addColumn('user_code', 'varchar(255)')
    .addColumn('uid', 'varchar(255)')
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_artefacts_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_artefacts_grant').on('oidc_artefacts').column('grant_id').execute();
  await db.schema.createIndex('oidc_artefacts_uid').on('oidc_artefacts').column('uid').execute();
  await db.schema.createIndex('oidc_artefacts_expiry').on('oidc_artefacts').column('expires_at').execute();

  await db.schema
    .createTable('keys')
    .addColumn('kid', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('purpose', 'varchar(64)', (c) => c.notNull())
    .addColumn('alg', 'varchar(32)', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .execute();
  await db.schema.createIndex('keys_purpose').on('keys').column('purpose').execute();

  await db.schema
    .createTable('clients')
    .addColumn('client_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('country', 'varchar(2)', (c) => c.notNull())
    .addColumn('agency', 'varchar(255)', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('allowed_attributes', 'text', (c) => c.notNull())
    .addColumn('min_assurance', 'varchar(64)', (c) => c.notNull())
    .addColumn('environment', 'varchar(128)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('account_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('scheme', 'varchar(32)', (c) => c.notNull())
    .addColumn('upstream_subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('accounts_upstream', ['scheme', 'upstream_subject'])
    .execute();

  await db.schema
    .createTable('consents')
    .addColumn('consent_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.account_id'))
    .addColumn('client_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('trust_framework_version', 'varchar(64)', (c) => c.notNull())
    .addColumn('granted_at', 'bigint', (c) => c.notNull())
    .addColumn('withdrawn_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('consents_account_client')
    .on('consents')
    .columns(['account_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('releases')
    .addColumn('release_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('attributes', 'text', (c) => c.notNull())
    .addColumn('acr', 'varchar(128)', (c) => c.notNull())
    .addColumn('scheme', 'varchar(32)', (c) => c.notNull())
    .addColumn('trust_framework_version', 'varchar(64)', (c) => c.notNull())
    .addColumn('consent_id', 'varchar(64)')
    .addColumn('released_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('releases_account').on('releases').column('account_id').execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
