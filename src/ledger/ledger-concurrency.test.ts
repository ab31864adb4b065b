import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { openStorage, type Storage } from '../storage/index.ts';
import { createLedger, type Ledger, verifyConsistency } from './index.ts';
import { syntheticRecord } from './test-fixtures.ts';

const ORIGIN = 'uk-sg.govbridge.example/ledger';
const db = testDialect();
const run = promisify(execFile);
const worker = new URL('../../test/support/ledger-append-worker.ts', import.meta.url).pathname;

/** A fresh database, and a way for another connection or process to open the same one. */
async function sharedDatabase(): Promise<{
  storage: Storage;
  second: () => Promise<Storage>;
  where: { databaseUrl?: string; postgresSchema?: string; sqlitePath?: string };
}> {
  const url = process.env['DATABASE_URL'];
  if (url) {
    const storage = await openTestStorage();
    const postgresSchema = (storage as unknown as { schema: string }).schema;
    return {
      storage,
      second: () => openStorage({ databaseUrl: url, postgresSchema, poolSize: 4 }),
      where: { databaseUrl: url, postgresSchema },
    };
  }
  const sqlitePath = join(mkdtempSync(join(tmpdir(), 'govbridge-ledger-')), 'ledger.db');
  const storage = await openStorage({ sqlitePath });
  return { storage, second: () => openStorage({ sqlitePath }), where: { sqlitePath } };
}

/** Every stored checkpoint is consistent with every later one: one history, whoever signed. */
async function assertOneHistory(ledger: Ledger, storage: Storage): Promise<number> {
  const sizes = (
    await storage.db.selectFrom('ledger_checkpoints').select('size').orderBy('size').execute()
  ).map((r) => Number(r.size));
  for (let i = 0; i + 1 < sizes.length; i++) {
    const a = (await ledger.checkpointAt(sizes[i]!))!;
    const b = (await ledger.checkpointAt(sizes[i + 1]!))!;
    const proof = await ledger.consistencyProof(a.size, b.size);
    const r = verifyConsistency(a.note, b.note, proof.hashes, ledger.verifierKey);
    assert.ok(r.ok, `checkpoints ${a.size} → ${b.size}: ${!r.ok ? r.error.message : ''}`);
  }
  return sizes.length;
}

test(`ledger (${db}): two connections appending at once build one tree`, async () => {
  const { storage, second } = await sharedDatabase();
  const other = await second();
  const { privateKey } = generateKeyPairSync('ed25519');
  const a = createLedger({ storage, signer: privateKey, origin: ORIGIN, maxBatch: 64 });
  const b = createLedger({ storage: other, signer: privateKey, origin: ORIGIN, maxBatch: 64 });
  try {
    const wave = (ledger: Ledger, prefix: string) =>
      Promise.all(Array.from({ length: 300 }, (_, i) => ledger.append(syntheticRecord(i, { prefix }))));
    const [ra, rb] = await Promise.all([wave(a, 'a'), wave(b, 'b'), a.checkpoint(), b.checkpoint()]);
    const all = [...ra, ...rb].map((r) => r.index).sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: 600 }, (_, i) => i),
    );
    await Promise.all([a.checkpoint(), b.checkpoint()]);
    const report = await a.verifyIntegrity();
    assert.equal(report.size, 600);
    await assertOneHistory(a, storage);
  } finally {
    await a.close();
    await b.close();
    await other.close();
    await storage.close();
  }
});

test(`ledger (${db}): the integrity check reads one snapshot while another connection appends`, async () => {
  const { storage, second } = await sharedDatabase();
  const other = await second();
  const { privateKey } = generateKeyPairSync('ed25519');
  const appender = createLedger({ storage: other, signer: privateKey, origin: ORIGIN, maxBatch: 64 });
  const checker = createLedger({ storage, signer: privateKey, origin: ORIGIN });
  try {
    await appender.appendMany(Array.from({ length: 200 }, (_, i) => syntheticRecord(i)));
    await appender.checkpoint();
    let stop = false;
    let appended = 200;
    const writing = (async () => {
      while (!stop) {
        await appender.appendMany(Array.from({ length: 50 }, (_, i) => syntheticRecord(appended + i)));
        appended += 50;
      }
    })();
    for (let i = 0; i < 5; i++) {
      const report = await checker.verifyIntegrity();
      assert.ok(report.size >= 200);
    }
    stop = true;
    await writing;
    assert.ok(appended > 200, 'appends ran during the checks');
    assert.equal((await checker.verifyIntegrity()).size, appended);
  } finally {
    await appender.close();
    await checker.close();
    await other.close();
    await storage.close();
  }
});

test(`ledger (${db}): two processes and this one appending at once build one tree`, {
  timeout: 120_000,
}, async () => {
  const { storage, where } = await sharedDatabase();
  const { privateKey } = generateKeyPairSync('ed25519');
  const ledger = createLedger({ storage, signer: privateKey, origin: ORIGIN });
  try {
    const privateKeyJwk = privateKey.export({ format: 'jwk' });
    const count = 400;
    const spawn = (prefix: string) =>
      run(
        process.execPath,
        [
          worker,
          JSON.stringify({
            ...where,
            privateKeyJwk,
            origin: ORIGIN,
            prefix,
            count,
            concurrency: 50,
            checkpointEvery: 100,
          }),
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      ).then(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)!) as { indices: number[] });
    const own = async () => {
      const out: number[] = [];
      for (let i = 0; i < count; i += 40) {
        const wave = await Promise.all(
          Array.from({ length: 40 }, (_, j) => ledger.append(syntheticRecord(i + j, { prefix: 'parent' }))),
        );
        out.push(...wave.map((r) => r.index));
        if (i % 120 === 0) await ledger.checkpoint();
      }
      return out;
    };
    const [p1, p2, mine] = await Promise.all([spawn('p1'), spawn('p2'), own()]);
    const all = [...p1.indices, ...p2.indices, ...mine].sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: 3 * count }, (_, i) => i),
    );
    await ledger.checkpoint();
    const report = await ledger.verifyIntegrity();
    assert.equal(report.size, 3 * count);
    const checkpoints = await assertOneHistory(ledger, storage);
    assert.ok(checkpoints >= 3, `only ${checkpoints} checkpoints`);
    assert.equal(report.checkpoints, checkpoints);
    // Each process's entries are where it was told they are.
    const e = await ledger.entry(p1.indices[17]!);
    assert.equal(e.entry.releaseId, 'p1-17');
  } finally {
    await ledger.close();
    await storage.close();
  }
});
