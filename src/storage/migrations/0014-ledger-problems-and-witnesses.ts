import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // What start-up healing (or a witness) found that the hub could not repair by itself, kept for the
  // operator (`ledger verify`, GET /admin/api/ledger/problems) instead of stopping start-up. One row
  // per (kind, ref): `ref` is a release id or a witness URL, never personal data. A row is deleted
  // once the problem is gone (a later start appended the release, the witness agreed again).
  await db.schema
    .createTable('ledger_problems')
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('ref', 'varchar(255)', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_problems_pk', ['kind', 'ref'])
    .execute();

  // The witnesses this hub pushes its checkpoints to (GOVBRIDGE_LEDGER_WITNESS_URLS): per witness,
  // the largest checkpoint it cosigned (the note with its cosignature, kept to compare the local tree
  // with) or, when it told us with a 409, the size it holds; and whether it is reachable.
  await db.schema
    .createTable('ledger_witness_peers')
    .addColumn('url', 'varchar(500)', (c) => c.primaryKey())
    .addColumn('cosigned_size', 'bigint', (c) => c.notNull())
    .addColumn('cosigned_note', 'text')
    .addColumn('claimed_size', 'bigint', (c) => c.notNull())
    .addColumn('last_ok_at', 'bigint')
    .addColumn('failing_since', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
}
