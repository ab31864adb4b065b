import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // An operator can suspend a relying party: while suspended_at is set no citizen can be sent to it
  // and the OpenID Provider treats it as unknown (invalid_client), exactly like a pending one.
  await db.schema.alterTable('clients').addColumn('suspended_at', 'bigint').execute();

  // The operators' audit trail (ADR 18): append-only, one row per action, hash-chained (each row's
  // hash covers the previous row's hash and this row's canonical JSON) and signed with the hub's
  // Ed25519 ledger key. `seq` is dense from 1; a second process appending the same seq loses on the
  // primary key and retries on the new head. Names operators, never citizens.
  await db.schema
    .createTable('operator_audit')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('signature', 'varchar(128)', (c) => c.notNull())
    .execute();

  // Operators' sessions in the console: like citizens' (0012), only the SHA-256 of the cookie's random
  // id is kept; signing out or a newer sign-in revokes at once in every process.
  await db.schema
    .createTable('operator_sessions')
    .addColumn('session_id_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('via', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  // One-time sign-in links printed by `npm run cli -- admin sign-in-link` (the development default,
  // and the way in when no operators' OpenID Provider is configured): SHA-256 of the token only,
  // ten minutes, used once.
  await db.schema
    .createTable('operator_sign_in_links')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  // Refused logins, for the console's "recent refusals by code": the same fields as the
  // `login_refused` log line (codes, the check, scheme, client id), never personal data. Swept after
  // 30 days.
  await db.schema
    .createTable('login_refusals')
    .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('code', 'varchar(64)', (c) => c.notNull())
    .addColumn('check_name', 'varchar(64)', (c) => c.notNull())
    .addColumn('scheme', 'varchar(32)')
    .addColumn('client_id', 'varchar(128)')
    .execute();
  await db.schema.createIndex('login_refusals_at').on('login_refusals').column('at').execute();
}
