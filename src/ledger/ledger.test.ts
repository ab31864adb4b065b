import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { fixedClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import { decodeBase64 } from './encoding.ts';
import {
  createLedger,
  ed25519NoteSigner,
  type Ledger,
  LedgerError,
  MemoryTree,
  type Receipt,
  type ReleaseRecord,
  verifyConsistency,
  verifyReceipt,
} from './index.ts';
import {
  consistencyProof as memoryConsistencyProof,
  inclusionProof as memoryInclusionProof,
} from './merkle.ts';
import { syntheticRecord } from './test-fixtures.ts';

const ORIGIN = 'uk-sg.govbridge.example/ledger';
const db = testDialect();

async function withLedger(
  fn: (
    ledger: Ledger,
    storage: Storage,
    key: ReturnType<typeof generateKeyPairSync>['privateKey'],
  ) => Promise<void>,
  options: { maxBatch?: number; onBatch?: (b: { records: number }) => void } = {},
): Promise<void> {
  const storage = await openTestStorage();
  const { privateKey } = generateKeyPairSync('ed25519');
  const ledger = createLedger({
    storage,
    signer: privateKey,
    origin: ORIGIN,
    clock: fixedClock(new Date('2026-11-27T10:00:00Z')),
    ...options,
  });
  try {
    await fn(ledger, storage, privateKey);
  } finally {
    await ledger.close();
    await storage.close();
  }
}

const reasonOf = (r: { ok: boolean; error?: { reason: string } }) => (r.ok ? 'ok' : r.error!.reason);

describe(`ledger (${db}): appending`, () => {
  test('concurrent appends are grouped into few transactions and numbered 0..n−1 in order', async () => {
    const batches: number[] = [];
    await withLedger(
      async (ledger) => {
        const results = await Promise.all(
          Array.from({ length: 600 }, (_, i) => ledger.append(syntheticRecord(i))),
        );
        assert.deepEqual(
          results.map((r) => r.index),
          Array.from({ length: 600 }, (_, i) => i),
        );
        assert.equal(await ledger.size(), 600);
        assert.ok(batches.length < 20, `600 appends took ${batches.length} transactions`);
        assert.ok(batches.every((b) => b <= 250));
        const e = await ledger.entry(42);
        assert.equal(e.entry.releaseId, 'rel-42');
        await ledger.verifyIntegrity();
      },
      { maxBatch: 250, onBatch: (b) => batches.push(b.records) },
    );
  });

  test('a release appended twice keeps its first index, in separate and in the same batch', async () => {
    await withLedger(async (ledger) => {
      const first = await ledger.append(syntheticRecord(1));
      const again = await ledger.append({ ...syntheticRecord(1), decisions: ['another'] });
      assert.deepEqual(again, { index: first.index, duplicate: true });
      const both = await ledger.appendMany([syntheticRecord(2), syntheticRecord(2)]);
      assert.deepEqual(both, [
        { index: 1, duplicate: false },
        { index: 1, duplicate: true },
      ]);
      assert.equal(await ledger.size(), 2);
    });
  });

  test('entries are canonical JSON with names only, and the citizen as a salted hash', async () => {
    await withLedger(async (ledger) => {
      const record: ReleaseRecord = {
        releaseId: 'release-1',
        time: new Date('2026-11-27T08:30:00.250Z'),
        recipient: { kind: 'service', id: 'uk-demo', country: 'GB' },
        released: ['given_name', 'birthdate'],
        withheld: [{ attribute: 'nationalities', policy: 'policy-7' }],
        accountId: 'acc-eleanor',
        consentId: 'consent-1',
        decisions: ['d-2', 'd-1'],
        trustFrameworkVersion: '2026-11',
      };
      await ledger.append(record);
      const { leaf, entry } = await ledger.entry(0);
      const subject = await ledger.subjectHash('acc-eleanor');
      assert.equal(
        leaf,
        `{"consentId":"consent-1","decisions":["d-2","d-1"],"recipient":{"country":"GB","id":"uk-demo","kind":"service"},"releaseId":"release-1","released":["birthdate","given_name"],"subject":"${subject}","time":"2026-11-27T08:30:00.250Z","trustFrameworkVersion":"2026-11","v":1,"withheld":[{"attribute":"nationalities","policy":"policy-7"}]}`,
      );
      assert.equal(entry.subject, subject);
      assert.ok(!leaf.includes('acc-eleanor'));
      // Without a time, the ledger's clock.
      await ledger.append({ ...record, releaseId: 'release-2', time: undefined });
      assert.equal((await ledger.entry(1)).entry.time, '2026-11-27T10:00:00.000Z');
    });
  });

  test('each bad record is refused before anything is queued', async () => {
    await withLedger(async (ledger) => {
      const good = syntheticRecord(3);
      const bad: [string, unknown][] = [
        ['release id with @', { ...good, releaseId: 'someone@example.com' }],
        ['release id with space', { ...good, releaseId: 'a b' }],
        ['empty release id', { ...good, releaseId: '' }],
        ['unknown recipient kind', { ...good, recipient: { ...good.recipient, kind: 'person' } }],
        ['lower-case country', { ...good, recipient: { ...good.recipient, country: 'gb' } }],
        ['attribute that looks like a value', { ...good, released: ['Eleanor Whitfield'] }],
        ['attribute released twice', { ...good, released: ['birthdate', 'birthdate'] }],
        [
          'attribute both released and withheld',
          { ...good, released: ['birthdate'], withheld: [{ attribute: 'birthdate', policy: 'p' }] },
        ],
        ['withheld without policy', { ...good, withheld: [{ attribute: 'email' }] }],
        ['duplicate decision', { ...good, decisions: ['d', 'd'] }],
        ['empty account', { ...good, accountId: '' }],
        ['invalid time', { ...good, time: new Date(Number.NaN) }],
        ['unknown field (a value)', { ...good, values: { birthdate: '1980-01-01' } }],
        ['no trust framework version', { ...good, trustFrameworkVersion: undefined }],
      ];
      for (const [what, record] of bad) {
        await assert.rejects(
          ledger.append(record as ReleaseRecord),
          (e: unknown) => e instanceof LedgerError && e.reason === 'invalid_entry' && e.status === 400,
          what,
        );
      }
      await assert.rejects(ledger.appendMany([good, { ...good, releaseId: 'x y' }]), LedgerError);
      assert.equal(await ledger.size(), 0);
    });
  });

  test('after close, appends are refused; queued ones finished first', async () => {
    await withLedger(async (ledger) => {
      const pending = Promise.all(Array.from({ length: 50 }, (_, i) => ledger.append(syntheticRecord(i))));
      await ledger.close();
      assert.equal((await pending).length, 50);
      await assert.rejects(
        ledger.append(syntheticRecord(99)),
        (e: unknown) => e instanceof LedgerError && e.reason === 'closed',
      );
    });
  });

  test('SQLite commits with synchronous = FULL and restores the connection setting', {
    skip: db !== 'sqlite',
  }, async () => {
    await withLedger(async (ledger, storage) => {
      const before = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(storage.db);
      await ledger.append(syntheticRecord(1));
      const after = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(storage.db);
      assert.equal(after.rows[0]!.synchronous, before.rows[0]!.synchronous);
    });
  });
});

describe(`ledger (${db}): proofs, checkpoints and receipts`, () => {
  test('proofs from the database equal those of the same tree in memory, for every size up to 40', async () => {
    await withLedger(async (ledger) => {
      const memory = new MemoryTree();
      for (let i = 0; i < 40; i++) {
        await ledger.append(syntheticRecord(i));
        memory.appendLeafHash(decodeBase64((await ledger.inclusionProof(i, i + 1)).leafHash)!);
      }
      const b64 = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('base64'));
      for (let n = 1; n <= 40; n++) {
        for (let m = 0; m < n; m++) {
          assert.deepEqual(
            (await ledger.inclusionProof(m, n)).hashes,
            b64(await memoryInclusionProof(memory, m, n)),
          );
        }
        for (let m = 0; m <= n; m += 3) {
          assert.deepEqual(
            (await ledger.consistencyProof(m, n)).hashes,
            b64(await memoryConsistencyProof(memory, m, n)),
          );
        }
      }
    });
  });

  test('proofs for sizes beyond the log, indexes beyond the size, and sizes in the wrong order are refused', async () => {
    await withLedger(async (ledger) => {
      await ledger.appendMany(Array.from({ length: 10 }, (_, i) => syntheticRecord(i)));
      const outOfRange = (e: unknown) =>
        e instanceof LedgerError && e.reason === 'out_of_range' && e.status === 400;
      await assert.rejects(ledger.inclusionProof(3, 11), outOfRange);
      await assert.rejects(ledger.inclusionProof(10, 10), outOfRange);
      await assert.rejects(ledger.inclusionProof(-1, 5), outOfRange);
      await assert.rejects(ledger.inclusionProof(1.5, 5), outOfRange);
      await assert.rejects(ledger.consistencyProof(6, 5), outOfRange);
      await assert.rejects(ledger.consistencyProof(3, 11), outOfRange);
      await assert.rejects(ledger.entry(10), outOfRange);
      await assert.rejects(ledger.receipt(10), outOfRange);
      await assert.rejects(ledger.addCosignatures(7, ''), outOfRange);
    });
  });

  test('checkpoints: signed for the current size, reused while nothing changes, consistent over time', async () => {
    await withLedger(async (ledger) => {
      const empty = await ledger.checkpoint();
      assert.equal(empty.size, 0);
      assert.equal(empty.rootHash, '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
      await ledger.appendMany(Array.from({ length: 13 }, (_, i) => syntheticRecord(i)));
      const a = await ledger.checkpoint();
      assert.equal(a.size, 13);
      assert.equal((await ledger.checkpoint()).note, a.note);
      assert.ok(a.note.startsWith(`${ORIGIN}\n13\n${a.rootHash}\n\n— ${ORIGIN} `));
      await ledger.appendMany(Array.from({ length: 8 }, (_, i) => syntheticRecord(100 + i)));
      const b = await ledger.checkpoint();
      assert.equal((await ledger.latestCheckpoint())!.size, 21);
      assert.equal((await ledger.checkpointAt(13))!.note, a.note);
      assert.equal(await ledger.checkpointAt(14), undefined);
      for (const [x, y] of [
        [empty, a],
        [a, b],
        [empty, b],
        [b, b],
      ] as const) {
        const proof = await ledger.consistencyProof(x.size, y.size);
        assert.equal(reasonOf(verifyConsistency(x.note, y.note, proof.hashes, ledger.verifierKey)), 'ok');
      }
      const proof = await ledger.consistencyProof(13, 21);
      assert.equal(
        reasonOf(verifyConsistency(b.note, a.note, proof.hashes, ledger.verifierKey)),
        'not_consistent',
      );
      assert.equal(
        reasonOf(verifyConsistency(a.note, b.note, proof.hashes.slice(1), ledger.verifierKey)),
        'not_consistent',
      );
      const forged = a.note.replace(`\n13\n`, '\n12\n');
      assert.equal(
        reasonOf(verifyConsistency(forged, b.note, proof.hashes, ledger.verifierKey)),
        'bad_checkpoint',
      );
    });
  });

  test('receipts verify offline; any change to them, or another key, fails', async () => {
    await withLedger(async (ledger) => {
      await ledger.appendMany(Array.from({ length: 25 }, (_, i) => syntheticRecord(i)));
      const receipts: Receipt[] = [];
      for (const i of [0, 7, 24]) receipts.push(await ledger.receipt(i));
      // One checkpoint was signed for the first receipt and serves the others.
      assert.equal(new Set(receipts.map((r) => r.checkpoint)).size, 1);
      for (const r of receipts) {
        const v = verifyReceipt(r, ledger.verifierKey);
        assert.ok(v.ok, !v.ok ? v.error.message : '');
        assert.equal(v.value.index, r.index);
        assert.equal(v.value.checkpoint.size, 25);
        assert.equal(v.value.entry.releaseId, `rel-${r.index}`);
      }
      const r = receipts[1]!;
      const changedEntry = r.entry.replace('"rel-7"', '"rel-8"');
      const otherKey = ed25519NoteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey).verifierKey;
      const cases: [string, Receipt, string][] = [
        ['entry changed', { ...r, entry: changedEntry }, 'leaf_hash_mismatch'],
        [
          'entry and leaf hash changed',
          { ...r, entry: changedEntry, leafHash: receipts[2]!.leafHash },
          'leaf_hash_mismatch',
        ],
        ['entry not canonical', { ...r, entry: r.entry.replace('{', '{ ') }, 'bad_entry'],
        ['other index', { ...r, index: 8 }, 'not_included'],
        [
          'proof element changed',
          { ...r, inclusionProof: [receipts[0]!.leafHash, ...r.inclusionProof.slice(1)] },
          'not_included',
        ],
        ['proof shortened', { ...r, inclusionProof: r.inclusionProof.slice(1) }, 'not_included'],
        ['proof not base64', { ...r, inclusionProof: ['!!', ...r.inclusionProof.slice(1)] }, 'malformed'],
        [
          'checkpoint size changed',
          { ...r, checkpoint: r.checkpoint.replace('\n25\n', '\n26\n') },
          'bad_checkpoint',
        ],
        ['no checkpoint', { ...r, checkpoint: '' }, 'bad_checkpoint'],
        ['wrong format', { ...r, format: 'x' as Receipt['format'] }, 'malformed'],
      ];
      for (const [what, bad, reason] of cases)
        assert.equal(reasonOf(verifyReceipt(bad, ledger.verifierKey)), reason, what);
      assert.equal(reasonOf(verifyReceipt(r, otherKey)), 'bad_checkpoint');
      assert.equal(reasonOf(verifyReceipt(r, ledger.verifierKey, { origin: 'elsewhere' })), 'bad_checkpoint');
      assert.equal(reasonOf(verifyReceipt(r, 'not a key')), 'invalid_key');
      // A receipt's proof is for its checkpoint's size: the proof of a smaller tree does not verify against it.
      const small = await ledger.inclusionProof(7, 10);
      assert.equal(
        reasonOf(verifyReceipt({ ...r, inclusionProof: small.hashes }, ledger.verifierKey)),
        'not_included',
      );
      // Round trip through JSON, as a citizen would download it.
      assert.ok(verifyReceipt(JSON.parse(JSON.stringify(r)) as Receipt, ledger.verifierKey).ok);
    });
  });
});

describe(`ledger (${db}): citizens as salted hashes`, () => {
  test('entries for a citizen; forgetting the salt unlinks them and the log still verifies', async () => {
    await withLedger(async (ledger) => {
      const records = Array.from({ length: 30 }, (_, i) => syntheticRecord(i, { accounts: 3 }));
      await ledger.appendMany(records);
      const h0 = await ledger.subjectHash('account-0');
      assert.equal(await ledger.subjectHash('account-0'), h0);
      assert.equal(await ledger.findSubjectHash('account-0'), h0);
      assert.notEqual(await ledger.subjectHash('account-1'), h0);
      const mine = await ledger.entriesForAccount('account-0');
      assert.deepEqual(
        mine.map((e) => e.index),
        [0, 3, 6, 9, 12, 15, 18, 21, 24, 27],
      );
      assert.deepEqual(
        (await ledger.entriesFor(h0)).map((e) => e.index),
        mine.map((e) => e.index),
      );
      assert.deepEqual(await ledger.entriesFor('not-a-hash'), []);

      await ledger.checkpoint();
      assert.equal(await ledger.forgetSubject('account-0'), true);
      assert.equal(await ledger.forgetSubject('account-0'), false);
      assert.equal(await ledger.findSubjectHash('account-0'), undefined);
      assert.deepEqual(await ledger.entriesForAccount('account-0'), []);
      // The entries are still there, under a hash nobody can link to the account any more.
      assert.equal((await ledger.entriesFor(h0)).length, 10);
      const again = await ledger.subjectHash('account-0');
      assert.notEqual(again, h0);
      await ledger.append({ ...syntheticRecord(300, { accounts: 3 }), accountId: 'account-0' });
      assert.deepEqual(
        (await ledger.entriesForAccount('account-0')).map((e) => e.index),
        [30],
      );
      const report = await ledger.verifyIntegrity();
      assert.equal(report.size, 31);
      await assert.rejects(ledger.subjectHash(''), LedgerError);
    });
  });
});
