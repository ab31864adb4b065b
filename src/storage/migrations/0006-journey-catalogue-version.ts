import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // The version of the life-events catalogue (`catalogue/catalogue.yaml`, such as "2026-11-27.1") the
  // hub ran when the journey was created or last changed (issue "Life events"), so what a citizen was
  // told can be traced to the rules that said it. Null: journeys saved before the catalogue had a
  // version.
  await db.schema.alterTable('journeys').addColumn('catalogue_version', 'varchar(64)').execute();
}
