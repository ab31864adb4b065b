import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // Every release is appended to the transparency ledger with the ids of the policy decisions behind
  // it. Kept beside each release (sign-in) and each notification (Tell Us Once) so that a release
  // whose ledger append was cut short by a crash is appended, exactly as decided, at the next start.
  // JSON list of policy ids; for notifications also the withheld fields `[{attribute, policies}]`.
  await db.schema.alterTable('releases').addColumn('decisions', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('decisions', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('withheld', 'text').execute();
}
