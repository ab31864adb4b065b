import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import type { Storage } from '../storage/index.ts';
import { toHex, utf8Bytes } from './encoding.ts';
import { canonicalJson, parseEntry } from './entry.ts';
import {
  createLedger,
  ed25519NoteSigner,
  formatCheckpoint,
  type IntegrityProblem,
  type Ledger,
  LedgerError,
  LedgerIntegrityError,
  signNote,
} from './index.ts';
import { leafHash, MemoryTree } from './merkle.ts';
import { syntheticRecord } from './test-fixtures.ts';

const ORIGIN = 'uk-sg.govbridge.example/ledger';

/** A ledger of 45 entries with checkpoints at 16 and 40, for one tampering. */
async function tampered(
  tamper: (storage: Storage, ledger: Ledger) => Promise<void>,
): Promise<{ problems: readonly IntegrityProblem[]; error: LedgerIntegrityError }> {
  const storage = await openTestStorage();
  const ledger = createLedger({ storage, signer: generateKeyPairSync('ed25519').privateKey, origin: ORIGIN });
  try {
    await ledger.appendMany(Array.from({ length: 16 }, (_, i) => syntheticRecord(i)));
    await ledger.checkpoint();
    await ledger.appendMany(Array.from({ length: 24 }, (_, i) => syntheticRecord(16 + i)));
    await ledger.checkpoint();
    await ledger.appendMany(Array.from({ length: 5 }, (_, i) => syntheticRecord(40 + i)));
    const clean = await ledger.verifyIntegrity();
    assert.deepEqual(
      { ...clean, durationMs: 0 },
      { size: 45, nodes: 41, checkpoints: 2, latestCheckpoint: 40, durationMs: 0 },
    );
    await tamper(storage, ledger);
    try {
      await ledger.verifyIntegrity();
    } catch (error) {
      assert.ok(error instanceof LedgerIntegrityError, String(error));
      assert.equal(error.reason, 'integrity');
      assert.equal(error.code, 'storage_error');
      assert.equal(error.expose, false);
      assert.ok(error.message.startsWith('Ledger integrity check failed: '));
      return { problems: error.problems, error };
    }
    assert.fail('tampering was not detected');
  } finally {
    await ledger.close();
    await storage.close();
  }
}

const kinds = (ps: readonly IntegrityProblem[]) => ps.map((p) => p.kind);

async function rewriteEntry(
  storage: Storage,
  index: number,
  change: (e: Record<string, unknown>) => void,
  withHash: boolean,
) {
  const row = await storage.db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('idx', '=', index)
    .executeTakeFirstOrThrow();
  const parsed = parseEntry(row.leaf);
  assert.ok(parsed.ok);
  const changed = { ...parsed.value } as Record<string, unknown>;
  change(changed);
  const leaf = canonicalJson(changed);
  await storage.db
    .updateTable('ledger_entries')
    .set(withHash ? { leaf, leaf_hash: toHex(leafHash(utf8Bytes(leaf))) } : { leaf })
    .where('idx', '=', index)
    .execute();
}

describe(`ledger (${testDialect()}): integrity check finds tampering`, () => {
  test('an entry changed, its hash left alone', async () => {
    const { problems, error } = await tampered((s) =>
      rewriteEntry(s, 5, (e) => (e.consentId = 'forged'), false),
    );
    assert.deepEqual(kinds(problems), ['entry_changed']);
    assert.equal(problems[0]!.index, 5);
    assert.match(error.message, /entry 5 was changed/);
  });

  test('an entry changed together with its leaf hash', async () => {
    const { problems } = await tampered((s) => rewriteEntry(s, 5, (e) => (e.released = ['birthdate']), true));
    assert.deepEqual(kinds(problems), [
      'node_changed',
      'checkpoint_root_mismatch',
      'checkpoint_root_mismatch',
    ]);
    assert.match(problems[0]!.message, /level 1, index 2 \(entries 4–5\)/);
    assert.deepEqual(
      problems.slice(1).map((p) => p.size),
      [16, 40],
    );
  });

  test('history rewritten consistently (entries and every node): only the signed checkpoints tell, and no new checkpoint is signed', async () => {
    const { problems } = await tampered(async (s, ledger) => {
      await rewriteEntry(
        s,
        3,
        (e) => (e.recipient = { kind: 'service', id: 'somebody-else', country: 'GB' }),
        true,
      );
      const rows = await s.db.selectFrom('ledger_entries').select(['leaf_hash']).orderBy('idx').execute();
      const memory = new MemoryTree();
      for (const r of rows) memory.appendLeafHash(Buffer.from(r.leaf_hash, 'hex'));
      const nodes = await s.db.selectFrom('ledger_nodes').select(['level', 'idx']).execute();
      for (const n of nodes) {
        const [h] = await memory.subtreeHashes([{ level: n.level, index: Number(n.idx) }]);
        await s.db
          .updateTable('ledger_nodes')
          .set({ hash: toHex(h!) })
          .where('level', '=', n.level)
          .where('idx', '=', n.idx)
          .execute();
      }
      await ledger.append(syntheticRecord(1000));
      await assert.rejects(
        ledger.checkpoint(),
        (e: unknown) => e instanceof LedgerError && e.reason === 'inconsistent_tree',
      );
    });
    assert.deepEqual(kinds(problems), ['checkpoint_root_mismatch', 'checkpoint_root_mismatch']);
    assert.match(problems[0]!.message, /root signed at size 16/);
  });

  test('an entry deleted from the middle', async () => {
    const { problems, error } = await tampered((s) =>
      s.db
        .deleteFrom('ledger_entries')
        .where('idx', '=', 9)
        .execute()
        .then(() => {}),
    );
    assert.equal(problems[0]!.kind, 'entry_missing');
    assert.equal(problems[0]!.index, 9);
    assert.match(error.message, /entry 9 is missing/);
    // The tree cannot be recomputed past the gap: the checkpoints above it cannot be matched.
    assert.deepEqual(
      problems.slice(1).map((p) => [p.kind, p.size]),
      [
        ['checkpoint_root_mismatch', 16],
        ['checkpoint_root_mismatch', 40],
      ],
    );
  });

  test('an entry inserted after the end, outside the appender', async () => {
    const { problems } = await tampered(async (s) => {
      const leaf = canonicalJson({ forged: true });
      await s.db
        .insertInto('ledger_entries')
        .values({
          idx: 45,
          release_id: 'forged',
          subject_hash: '0'.repeat(64),
          leaf,
          leaf_hash: toHex(leafHash(utf8Bytes(leaf))),
          appended_at: 0,
        })
        .execute();
    });
    assert.ok(kinds(problems).includes('entry_unexpected'), kinds(problems).join());
  });

  test('the log truncated below a signed checkpoint, recorded size adjusted', async () => {
    const { problems } = await tampered(async (s) => {
      await s.db.deleteFrom('ledger_entries').where('idx', '>=', 30).execute();
      await s.db.updateTable('ledger_state').set({ size: 30 }).execute();
    });
    assert.ok(kinds(problems).includes('checkpoint_beyond_tree'));
    assert.ok(kinds(problems).includes('node_unexpected'));
    assert.match(
      problems.find((p) => p.kind === 'checkpoint_beyond_tree')!.message,
      /signed at size 40 but only 30 entries/,
    );
  });

  test('the log truncated, recorded size left alone', async () => {
    const { problems } = await tampered((s) =>
      s.db
        .deleteFrom('ledger_entries')
        .where('idx', '>=', 44)
        .execute()
        .then(() => {}),
    );
    assert.deepEqual(kinds(problems), ['size_mismatch']);
    assert.match(
      problems[0]!.message,
      /recorded size is 45 but only 44 entries are stored: entry 44 was removed/,
    );
  });

  test('a checkpoint row rewritten: its root column, its note, or a note signed by another key', async () => {
    const a = await tampered((s) =>
      s.db
        .updateTable('ledger_checkpoints')
        .set({ root_hash: 'ab'.repeat(32) })
        .where('size', '=', 16)
        .execute()
        .then(() => {}),
    );
    assert.deepEqual(kinds(a.problems), ['checkpoint_invalid']);
    assert.equal(a.problems[0]!.size, 16);
    const b = await tampered(async (s) => {
      const row = await s.db
        .selectFrom('ledger_checkpoints')
        .selectAll()
        .where('size', '=', 40)
        .executeTakeFirstOrThrow();
      await s.db
        .updateTable('ledger_checkpoints')
        .set({ note: row.note.replace('\n40\n', '\n41\n') })
        .where('size', '=', 40)
        .execute();
    });
    assert.deepEqual(kinds(b.problems), ['checkpoint_invalid']);
    const c = await tampered(async (s) => {
      const forger = ed25519NoteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey);
      const note = signNote(
        formatCheckpoint({ origin: ORIGIN, size: 16, rootHash: new Uint8Array(32), extensions: [] }),
        [forger],
      );
      await s.db
        .updateTable('ledger_checkpoints')
        .set({ note, root_hash: '00'.repeat(32) })
        .where('size', '=', 16)
        .execute();
    });
    assert.deepEqual(kinds(c.problems), ['checkpoint_invalid']);
    assert.match(c.error.message, /does not verify with the ledger's key/);
  });

  test('a stored tree node changed', async () => {
    const { problems } = await tampered((s) =>
      s.db
        .updateTable('ledger_nodes')
        .set({ hash: 'cd'.repeat(32) })
        .where('level', '=', 2)
        .where('idx', '=', 3)
        .execute()
        .then(() => {}),
    );
    assert.deepEqual(kinds(problems), ['node_changed']);
    assert.match(problems[0]!.message, /level 2, index 3 \(entries 12–15\)/);
  });

  test('an indexed column rewritten (the subject hash of an entry)', async () => {
    const { problems } = await tampered((s) =>
      s.db
        .updateTable('ledger_entries')
        .set({ subject_hash: 'ef'.repeat(32) })
        .where('idx', '=', 20)
        .execute()
        .then(() => {}),
    );
    assert.deepEqual(kinds(problems), ['entry_changed']);
    assert.match(problems[0]!.message, /entry 20 has a subject_hash column/);
  });
});
