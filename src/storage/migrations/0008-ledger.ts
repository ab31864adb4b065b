import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // The transparency ledger (issue "Data security", src/ledger): every release of a citizen's data is
  // a leaf of an RFC 9162 Merkle tree. Hashes are lower-case hex (64 characters).

  // One row (id 1): the tree size. Appenders lock this row (UPDATE … RETURNING as their first
  // statement), which serialises them across processes on PostgreSQL and takes SQLite's write lock.
  await db.schema
    .createTable('ledger_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('ledger_state').values({ id: 1, size: 0 }).execute();

  // The leaves: the entry's canonical JSON (the leaf data) and its leaf hash H(0x00 || leaf). The
  // release id is unique (appending a release twice returns the first index) and the subject hash
  // (HMAC of the account id under the citizen's salt) is indexed for the citizen's own view.
  await db.schema
    .createTable('ledger_entries')
    .addColumn('idx', 'bigint', (c) => c.primaryKey())
    .addColumn('release_id', 'varchar(200)', (c) => c.notNull().unique())
    .addColumn('subject_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('leaf', 'text', (c) => c.notNull())
    .addColumn('leaf_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('appended_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_subject').on('ledger_entries').column('subject_hash').execute();

  // Hashes of the complete subtrees above the leaves (level ≥ 1; level 0 is ledger_entries.leaf_hash):
  // node (level, idx) covers leaves [idx·2^level, (idx+1)·2^level). About one row per leaf; any
  // proof needs at most two per level, fetched by primary key.
  await db.schema
    .createTable('ledger_nodes')
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_nodes_pk', ['level', 'idx'])
    .execute();

  // Signed checkpoints (C2SP tlog-checkpoint notes), one per tree size, and the witnesses'
  // cosignatures of them (C2SP tlog-cosignature), each kept as its signature line.
  await db.schema
    .createTable('ledger_checkpoints')
    .addColumn('size', 'bigint', (c) => c.primaryKey())
    .addColumn('root_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ledger_cosignatures')
    .addColumn('size', 'bigint', (c) => c.notNull().references('ledger_checkpoints.size'))
    .addColumn('cosigner', 'varchar(255)', (c) => c.notNull())
    .addColumn('key_id', 'varchar(8)', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_cosignatures_pk', ['size', 'cosigner', 'key_id'])
    .execute();

  // A random salt per citizen: the log names them only as HMAC-SHA-256(salt, account id). Deleting
  // the row unlinks every entry about them.
  await db.schema
    .createTable('ledger_subject_salts')
    .addColumn('account_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('salt', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // When this hub witnesses another country's ledger (C2SP tlog-witness): the latest checkpoint it
  // cosigned per origin, compared and replaced atomically.
  await db.schema
    .createTable('ledger_witness_state')
    .addColumn('origin', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('root_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
