import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // Retried submissions stay single (issue 10): a keyed hash (HMAC-SHA256, key derived from the
  // key-encryption key) of the canonicalised report — account, event type, date and fields — so a
  // citizen who sends the same report again with a new submission key gets the first one. Unique, so
  // two processes racing cannot both insert it; set to NULL once the report is older than the window
  // (ReportService), so the same content may be reported again after it. No personal data in clear.
  await db.schema.alterTable('reports').addColumn('content_key', 'varchar(64)').execute();
  await db.schema.createIndex('reports_content_key').on('reports').column('content_key').unique().execute();
}
