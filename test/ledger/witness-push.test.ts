import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { buildApp, openContext } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import {
  ed25519Cosigner,
  ed25519NoteSigner,
  listProblems,
  type ReleaseRecord,
} from '../../src/ledger/index.ts';
import { createLogger } from '../../src/web/index.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { cli } from './support.ts';

/**
 * The ledger's tail (issue "Survive a bad day"): deleting the last entry together with its checkpoint
 * is detectable only by a witness, so hub A pushes each new checkpoint to its witness B on a timer
 * (GOVBRIDGE_LEDGER_WITNESS_URLS), with backoff and one log line per outage while B is down, keeps
 * B's cosignatures and the largest checkpoint B cosigned, and `ledger verify` and start-up compare
 * the local tree with it. B is reached through a switchable proxy, so it can be "down" and "up" at
 * one URL.
 */
const dir = mkdtempSync(join(tmpdir(), 'govbridge-witness-push-'));
const ORIGIN_A = 'uk.push.test/ledger';
const ORIGIN_B = 'sg.push.test/ledger';

function keyFile(name: string): { file: string; jwk: JsonWebKey } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ keys: [{ ...jwk, kid: `${name}-ledger`, alg: 'EdDSA', use: 'sig' }] }),
  );
  return { file, jwk };
}

const release = (accountId: string): ReleaseRecord => ({
  releaseId: randomUUID(),
  recipient: { kind: 'service', id: 'demo-uk-service', country: 'GB' },
  released: ['birthdate'],
  accountId,
  consentId: null,
  decisions: ['release-within-environment'],
  trustFrameworkVersion: 'test',
});

/** A proxy to the witness hub that can be switched off (connections dropped) and on again. */
async function switchableProxy(
  target: () => string,
): Promise<{ url: string; down: boolean; server: Server }> {
  const state = { url: '', down: false, server: undefined as unknown as Server };
  state.server = createServer(async (req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r = await fetch(`${target()}${req.url}`, {
      method: req.method ?? 'GET',
      headers: { 'content-type': String(req.headers['content-type'] ?? 'text/plain') },
      ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
    });
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => state.server.listen(port, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${port}`;
  return state;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`checkpoints pushed to witnesses on a timer; a removed tail is found (${testDialect()})`, () => {
  const a = keyFile('hub-a');
  const b = keyFile('hub-b');
  const logKeyA = ed25519NoteSigner(ORIGIN_A, a.jwk).verifierKey;
  const witnessKeyB = ed25519Cosigner('sg.push.test/witness', b.jwk).verifierKey;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  const events = (name: string) => lines.filter((l) => l['event'] === name);
  let hubA: TestHub;
  let hubB: TestHub;
  let proxy: Awaited<ReturnType<typeof switchableProxy>>;

  before(async () => {
    hubB = await startTestHub({
      LOG_LEVEL: 'silent',
      GOVBRIDGE_LEDGER_ORIGIN: ORIGIN_B,
      GOVBRIDGE_LEDGER_KEYS_FILE: b.file,
      GOVBRIDGE_LEDGER_WITNESSED_LOGS: logKeyA,
    });
    proxy = await switchableProxy(() => hubB.url);
    hubA = await startTestHub(
      {
        GOVBRIDGE_LEDGER_ORIGIN: ORIGIN_A,
        GOVBRIDGE_LEDGER_KEYS_FILE: a.file,
        GOVBRIDGE_LEDGER_WITNESS_KEYS: witnessKeyB,
        GOVBRIDGE_LEDGER_WITNESS_URLS: proxy.url,
        GOVBRIDGE_LEDGER_CHECKPOINT_MS: '100',
        GOVBRIDGE_LEDGER_WITNESS_PUSH_MS: '100',
      },
      { logger: createLogger({ logLevel: 'info' }, sink) },
    );
  });
  let closedA = false;
  after(async () => {
    if (!closedA) await hubA?.close();
    await hubB?.close();
    await new Promise((r) => proxy?.server.close(r));
  });

  const cosignedAt = async (size: number) => {
    const cp = await hubA.ctx.ledger.checkpointAt(size);
    return cp?.witnesses.includes('sg.push.test/witness') ? cp : undefined;
  };

  test('each new checkpoint is cosigned by the witness without anyone running ledger cosign', async () => {
    await hubA.ctx.ledger.appendMany([release('citizen-1'), release('citizen-2'), release('citizen-3')]);
    await until('B to cosign size 3', () => cosignedAt(3));
    await hubA.ctx.ledger.appendMany([release('citizen-4')]);
    await until('B to cosign size 4', () => cosignedAt(4));
    assert.equal((await hubB.ctx.witness?.latest(ORIGIN_A))?.size, 4);
    const peer = await hubA.ctx.storage.db
      .selectFrom('ledger_witness_peers')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(peer.url, proxy.url);
    assert.equal(Number(peer.cosigned_size), 4);
    assert.match(peer.cosigned_note ?? '', /^uk\.push\.test\/ledger\n4\n[\s\S]*\n— sg\.push\.test\/witness /);
    const verify = await cli(['ledger', 'verify'], hubA.env);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, new RegExp(`Witness ${proxy.url}: cosigned tree size 4\\n`));
  });

  test('a witness that is down: backoff, one warn line for the outage, then cosigned again once it is up', async () => {
    proxy.down = true;
    await hubA.ctx.ledger.appendMany([release('citizen-5'), release('citizen-6')]);
    await until('the outage to be logged', async () => events('ledger_witness_unreachable').length > 0);
    // Several ticks (100 ms each) later, still one line: backoff, and no line per attempt.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(events('ledger_witness_unreachable').length, 1);
    assert.equal(events('ledger_witness_unreachable')[0]?.['level'], 40);
    const status = await fetch(`${hubA.url}/readyz`);
    assert.equal(status.status, 200, 'the hub serves while its witness is down');
    const down = await hubA.ctx.storage.db
      .selectFrom('ledger_witness_peers')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.notEqual(down.failing_since, null);
    proxy.down = false;
    await until('B to cosign size 6', () => cosignedAt(6), 30_000);
    // The cosignature is stored a moment before the pusher logs the recovery and clears the outage:
    // wait for both rather than race them (a loaded machine made that race visible).
    await until('the recovery to be logged', async () => events('ledger_witness_recovered').length > 0);
    await until('the outage to be cleared', async () => {
      const peer = await hubA.ctx.storage.db
        .selectFrom('ledger_witness_peers')
        .selectAll()
        .executeTakeFirst();
      return peer?.failing_since === null;
    });
    assert.equal(events('ledger_witness_recovered').length, 1);
    assert.equal(events('ledger_witness_unreachable').length, 1);
    const up = await hubA.ctx.storage.db
      .selectFrom('ledger_witness_peers')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(up.failing_since, null);
    assert.equal(Number(up.cosigned_size), 6);
  });

  test('the tail removed with its checkpoint: ledger verify reports it, start-up refuses, the witness flags it', async () => {
    const n = 6;
    // Hub A stops (its schema kept); an attacker removes the last entry cleanly: the entry, the nodes
    // ending at it, checkpoints and cosignatures at size n, and the recorded size.
    const envA = { ...hubA.env, LOG_LEVEL: 'silent' };
    delete hubA.env['GOVBRIDGE_DATABASE_SCHEMA'];
    await hubA.close();
    closedA = true;
    const ctx = await openContext(loadConfig(envA));
    try {
      await ctx.storage.transaction(async (tx) => {
        await tx.deleteFrom('ledger_cosignatures').where('size', '>=', n).execute();
        await tx.deleteFrom('ledger_checkpoints').where('size', '>=', n).execute();
        await tx
          .deleteFrom('ledger_entries')
          .where('idx', '=', n - 1)
          .execute();
        for (let level = 1; 2 ** level <= n; level++) {
          if (n % 2 ** level === 0) {
            await tx
              .deleteFrom('ledger_nodes')
              .where('level', '=', level)
              .where('idx', '=', n / 2 ** level - 1)
              .execute();
          }
        }
        await tx
          .updateTable('ledger_state')
          .set({ size: n - 1 })
          .where('id', '=', 1)
          .execute();
      });
    } finally {
      await ctx.close();
    }

    // The operator's check finds it, from the checkpoint the witness cosigned.
    const verify = await cli(['ledger', 'verify'], envA);
    assert.equal(verify.code, 1, verify.stdout);
    assert.match(
      verify.stderr,
      /cosigned tree size 6 but only 5 entries are stored: the log's tail was removed/,
    );

    // A hub process starting on this database refuses to serve.
    await assert.rejects(
      buildApp(loadConfig({ ...envA, PORT: String(await freePort()) })),
      /cosigned tree size 6 but only 5 entries are stored: the log's tail was removed/,
    );

    // Also without the stored copy (the attacker deleted it too): the next push learns from the
    // witness that it holds a larger tree, logs one error line and flags it for the operator.
    const ctx2 = await openContext(loadConfig(envA));
    await ctx2.storage.db.deleteFrom('ledger_witness_peers').execute();
    await ctx2.close();
    const clean = await cli(['ledger', 'verify'], envA);
    assert.equal(clean.code, 0, `${clean.stdout}${clean.stderr}`);
    const second = await startTestHub(
      { ...envA, PORT: String(await freePort()) },
      { logger: createLogger({ logLevel: 'info' }, sink) },
    );
    try {
      const problem = await until('the truncation to be flagged', async () =>
        (await listProblems(second.ctx.storage)).find((p) => p.kind === 'tail_truncated'),
      );
      assert.equal(problem.ref, proxy.url);
      assert.match(
        problem.message,
        /has cosigned tree size 6, but this ledger's latest checkpoint is at size [0-5]/,
      );
      assert.equal(events('ledger_tail_truncated').length, 1);
      assert.equal(events('ledger_tail_truncated')[0]?.['level'], 50);
      const flagged = await cli(['ledger', 'verify'], envA);
      assert.equal(flagged.code, 1);
      assert.match(flagged.stderr, /Problem tail_truncated .*the log's tail was removed/);
    } finally {
      await second.close();
    }
  });
});
