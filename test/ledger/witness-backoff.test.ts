import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GovbridgeError } from '../../src/kernel/index.ts';
import { createWitnessPusher, type Ledger } from '../../src/ledger/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';

/**
 * The witness pusher's schedule, on a fake clock: a witness that cannot be reached is retried with
 * exponential backoff (base, 2·base, 4·base … up to the maximum) and logged once per outage; our
 * own database being away is not a witness outage (nothing logged, retried at the next tick).
 */
describe(`witness pusher backoff (${testDialect()})`, () => {
  let storage: Storage;
  before(async () => {
    storage = await openTestStorage();
  });
  after(async () => {
    await storage?.close();
  });

  function fakeLedger(o: { dbDown?: () => boolean } = {}) {
    const calls = { requests: 0 };
    const checkpoint = {
      size: 3,
      rootHash: 'AAAA',
      note: 'x\n3\nAAAA\n\n— x sig\n',
      createdAt: new Date(),
      witnesses: [],
    };
    const ledger = {
      async latestCheckpoint() {
        if (o.dbDown?.()) throw new GovbridgeError('database_unavailable', 'the database is unavailable');
        return checkpoint;
      },
      async witnessRequest(oldSize: number) {
        calls.requests++;
        return `old ${oldSize}\n\n${checkpoint.note}`;
      },
      async addCosignatures() {
        return { stored: 0, ignored: 0 };
      },
      async checkpointAt() {
        return checkpoint;
      },
    } as unknown as Ledger;
    return { ledger, calls };
  }

  function logs() {
    const lines: { level: string; fields: Record<string, unknown> }[] = [];
    const at = (level: string) => (fields: Record<string, unknown>) => lines.push({ level, fields });
    return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
  }

  test('an unreachable witness: attempts at 0, 1, 3, 7, 15 s (base 1 s, max 8 s) and one warn line', async () => {
    let t = 0;
    const { ledger, calls } = fakeLedger();
    const { lines, log } = logs();
    const url = 'http://127.0.0.1:9'; // nothing listens on the discard port
    const pusher = createWitnessPusher({
      storage,
      ledger,
      urls: [url],
      log,
      baseBackoffMs: 1000,
      maxBackoffMs: 8000,
      timeoutMs: 2000,
      now: () => t,
    });
    const attemptsAt: number[] = [];
    for (t = 0; t <= 20_000; t += 1000) {
      const before = calls.requests;
      await pusher.tick();
      if (calls.requests > before) attemptsAt.push(t);
    }
    assert.deepEqual(attemptsAt, [0, 1000, 3000, 7000, 15_000]);
    const warned = lines.filter((l) => l.fields['event'] === 'ledger_witness_unreachable');
    assert.equal(warned.length, 1);
    assert.equal(warned[0]?.level, 'warn');
    const [status] = await pusher.status();
    assert.equal(status?.failingSince?.getTime(), 0);
    assert.match(status?.lastError ?? '', /fetch failed|ECONNREFUSED|Error/);
  });

  test('our database away is not a witness outage: nothing logged, tried again at the next tick', async () => {
    let t = 0;
    let down = true;
    const { ledger, calls } = fakeLedger({ dbDown: () => down });
    const { lines, log } = logs();
    const pusher = createWitnessPusher({
      storage,
      ledger,
      urls: ['http://127.0.0.1:9/other'],
      log,
      baseBackoffMs: 1000,
      now: () => t,
    });
    for (t = 0; t < 5000; t += 1000) await pusher.tick();
    assert.equal(lines.length, 0, JSON.stringify(lines));
    assert.equal(calls.requests, 0);
    down = false;
    await pusher.tick();
    assert.equal(calls.requests, 1, 'pushed at the first tick after the database came back');
  });
});
