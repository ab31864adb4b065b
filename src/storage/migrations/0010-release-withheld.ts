import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // The release policy (src/policy) withholds attributes a service's hosting environment may not hold.
  // A release records, beside the attributes released, those withheld and the deciding policy ids:
  // JSON `[{attribute, policies}]`, null when nothing was withheld.
  await db.schema.alterTable('releases').addColumn('withheld', 'text').execute();
}
