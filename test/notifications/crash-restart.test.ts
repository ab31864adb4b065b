import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JWK } from 'jose';
import { startTestHub } from '../support/hub.ts';
import { startReceiver, type TestReceiver } from '../support/receiver.ts';
import { testDialect } from '../support/storage.ts';
import { agencyRegistration, MOVE_FIELDS } from './support.ts';

/**
 * A hub process killed (SIGKILL) in the middle of a batch of deliveries loses nothing: once it is
 * restarted and the leases of what it held have run out, every notification reaches its agency, and
 * after the receivers drop repeats by the idempotency key each arrives exactly once.
 *
 * Real processes (`node src/server.ts`) on a real database: SQLite with one hub process; PostgreSQL
 * (DATABASE_URL) with two, of which one is killed while the other keeps delivering. The reports are
 * written before the hub processes start, by the hub's own composition root in this process (buildApp
 * with the delivery worker off: ReportService as the hub wires it), so the queue is deep when the kill
 * comes. The receivers (in this process) answer after a few ms, verify each notification's signature
 * with the hub's `notify-sig` public key from its database key store (checked against the running
 * hub's /notifications/jwks.json), decrypt it and de-duplicate it.
 *
 * Which process holds a claim is read from the database: a claim sets `updated_at = now` and
 * `next_attempt_at = now + lease`, and each hub process gets a lease of its own length.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const DIALECT = testDialect();
/** Reports to write; each makes one notification per agency (two agencies). */
const REPORTS = Number(process.env['CRASH_TEST_REPORTS'] ?? (DIALECT === 'postgres' ? 700 : 600));
const LEASE_A = 1500;
const LEASE_B = 1700;
const CONCURRENCY = 32;

interface HubProcess {
  name: string;
  child: ChildProcess;
  /** Where it listens, from its start-up line. */
  url: string;
  exited: Promise<void>;
  output(): string;
}

const children = new Set<ChildProcess>();

async function startHub(name: string, env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      children.delete(child);
      r();
    }),
  );
  const deadline = Date.now() + 25_000;
  for (;;) {
    const m = /open (http:\/\/[^\s]+)/.exec(out);
    if (m) return { name, child, url: m[1]!, exited, output: () => out };
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`hub ${name} exited before it was ready:\n${out}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hub ${name} not ready after 25 s:\n${out}`);
    }
    await sleep(25);
  }
}

async function stopHub(hub: HubProcess): Promise<void> {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null) return;
  hub.child.kill('SIGTERM');
  const timer = setTimeout(() => hub.child.kill('SIGKILL'), 10_000);
  await hub.exited;
  clearTimeout(timer);
}

/** Run in `after` too, so a failed or timed-out test leaves no process, port or schema behind. */
const cleanups: Array<() => Promise<void>> = [];
async function cleanUp(): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
}
after(cleanUp);

test(`a hub process killed mid-batch loses no notification and, after de-duplication, sends none twice (${DIALECT}, ${DIALECT === 'postgres' ? 'two hub processes' : 'one hub process'})`, {
  timeout: 90_000,
}, async (t) => {
  const started = Date.now();
  // The reports are written by the hub's own composition root (buildApp, as `npm start` builds it,
  // with its delivery worker off), in this process, on the database the hub processes will share:
  // ReportService exactly as wired in the hub (ledger included), the hub's key-encryption key, and
  // its notify-sig key, made now in the database key store so the receivers know it beforehand.
  const writer = await startTestHub({
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
  });
  cleanups.push(() => writer.close());
  const storage = writer.ctx.storage;
  const dbEnv: Record<string, string> = {};
  for (const name of ['DATABASE_URL', 'GOVBRIDGE_DATABASE_SCHEMA', 'GOVBRIDGE_SQLITE_PATH']) {
    if (writer.env[name]) dbEnv[name] = writer.env[name];
  }
  const receivers: TestReceiver[] = [];
  const hubs: HubProcess[] = [];
  let firstRequestAt = 0;
  const hubEnv = (lease: number): Record<string, string> => ({
    ...dbEnv,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_NOTIFICATION_LEASE_MS: String(lease),
    GOVBRIDGE_NOTIFICATION_POLL_MS: '50',
    GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '100',
    GOVBRIDGE_NOTIFICATION_CONCURRENCY: String(CONCURRENCY),
  });
  const hubKey = writer.ctx.keys.publicJwks('notify-sig').keys[0] as JWK & { kid: string };
  assert.ok(hubKey?.kid);

  const { agencies, reports } = writer.ctx.notifications;
  for (const [agencyId, attributes] of [
    ['uk_dvla', ['name', 'birthdate', 'new_address']],
    ['sg_ica', ['name', 'nationalities', 'previous_address']],
  ] as const) {
    const rx = await startReceiver({ agencyId, hubPublicJwk: hubKey });
    cleanups.push(() => rx.close());
    // An agency takes a few ms to answer, so a batch takes a while.
    rx.script = () => {
      firstRequestAt ||= Date.now();
      return { delayMs: 2 + Math.floor(Math.random() * 5) };
    };
    receivers.push(rx);
    await agencies.register(
      agencyRegistration(agencyId, rx.url, rx.publicJwk, [
        { eventType: 'moving-abroad', attributes: [...attributes] },
      ]),
    );
  }

  // The batch, written before any hub process runs.
  const writers = DIALECT === 'postgres' ? 4 : 1;
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < REPORTS) {
        const i = next++;
        await reports.submit({
          accountId: `acc-${i % 50}`,
          eventType: 'moving-abroad',
          occurredOn: '2026-12-01',
          fields: { ...MOVE_FIELDS, name: `PERSON ${i}` },
          submissionKey: `crash-${i}`,
        });
      }
    }),
  );
  const all = await storage.db.selectFrom('notifications').select(['notification_id', 'agency_id']).execute();
  const total = all.length;
  assert.equal(total, REPORTS * receivers.length);

  // Start the hub process(es) and wait until part of the batch has been received.
  const a0 = startHub('A', hubEnv(LEASE_A));
  const b0 = DIALECT === 'postgres' ? startHub('B', hubEnv(LEASE_B)) : undefined;
  const a = await a0;
  hubs.push(a);
  const b = b0 ? await b0 : undefined;
  if (b) hubs.push(b);

  // The receivers verify with the key the hub publishes.
  const jwks = (await (await fetch(`${a.url}/notifications/jwks.json`)).json()) as { keys: JWK[] };
  assert.deepEqual(
    jwks.keys.map((k) => [k.kid, k.x, k.y]),
    [[hubKey.kid, hubKey.x, hubKey.y]],
  );

  const received = () => receivers.reduce((s, r) => s + r.events.length, 0);
  const heldBy = async (lease: number) =>
    (
      await storage.db
        .selectFrom('notifications')
        .select(['notification_id'])
        .where('state', '=', 'sending')
        .where((eb) => eb(eb('next_attempt_at', '-', eb.ref('updated_at')), '=', lease))
        .execute()
    ).map((r) => r.notification_id);
  const killBy = Date.now() + 30_000;
  for (;;) {
    const n = received();
    assert.ok(
      Date.now() < killBy,
      `only ${n} of ${total} received 30 s after the hubs started (refused: ${JSON.stringify(receivers.flatMap((r) => r.rejected).slice(0, 3))})`,
    );
    // Kill A while it holds claims and (PostgreSQL) while B is working beside it.
    if (
      n >= total * 0.25 &&
      (await heldBy(LEASE_A)).length > 0 &&
      (!b || (await heldBy(LEASE_B)).length > 0)
    ) {
      break;
    }
    assert.ok(
      n < total * 0.85,
      `the batch was nearly done (${n} of ${total}) before both processes held claims: write more reports (CRASH_TEST_REPORTS)`,
    );
    await sleep(10);
  }

  // SIGKILL: no shutdown hook, no last write.
  a.child.kill('SIGKILL');
  await a.exited;
  const killedAt = Date.now();
  const receivedAtKill = received();
  const held = await heldBy(LEASE_A);
  const heldByB = b ? (await heldBy(LEASE_B)).length : 0;
  const deliveredAtKill = Number(
    (
      await storage.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'delivered')
        .executeTakeFirstOrThrow()
    ).n,
  );
  assert.ok(deliveredAtKill < total, 'killed in the middle of the batch');
  assert.ok(held.length > 0, 'the killed process held claims');

  // Restart it (B, on PostgreSQL, has gone on delivering meanwhile).
  const a2 = await startHub('A2', hubEnv(LEASE_A));
  hubs.push(a2);

  // Wait until every notification is delivered.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = await storage.db
      .selectFrom('notifications')
      .select(['state'])
      .where('state', '!=', 'delivered')
      .execute();
    if (open.length === 0) break;
    if (Date.now() > deadline) {
      const by = new Map<string, number>();
      for (const o of open) by.set(o.state, (by.get(o.state) ?? 0) + 1);
      assert.fail(`${open.length} notifications not delivered 30 s after the restart: ${[...by]}`);
    }
    await sleep(50);
  }
  const finished = Date.now();

  // Every notification reached its agency; exactly once after de-duplication; nothing else came.
  const rows = await storage.db
    .selectFrom('notifications')
    .select(['notification_id', 'agency_id', 'state', 'attempts'])
    .execute();
  for (const rx of receivers) {
    assert.deepEqual(rx.rejected, [], `${rx.agencyId} refused nothing (signature, recipient, decryption)`);
    const ids = rx.events.map((e) => e.id);
    const expected = rows.filter((r) => r.agency_id === rx.agencyId).map((r) => r.notification_id);
    assert.equal(new Set(ids).size, ids.length, `${rx.agencyId} recorded each id once`);
    assert.deepEqual([...ids].sort(), [...expected].sort(), `${rx.agencyId} got exactly its notifications`);
    assert.ok(rx.events.every((e) => e.recipient === rx.agencyId));
    assert.equal(rx.requests, rx.events.length + rx.duplicates);
  }
  const uniqueReceived = new Set(receivers.flatMap((r) => r.events.map((e) => e.id)));
  assert.equal(uniqueReceived.size, total, 'unique ids received == notifications');
  assert.ok(rows.every((r) => r.state === 'delivered'));
  // What the killed process held was sent again once its lease had passed.
  const retried = new Set(rows.filter((r) => r.attempts >= 2).map((r) => r.notification_id));
  assert.ok(
    held.some((id) => retried.has(id)),
    'claims held by the killed process were claimed again after their lease',
  );

  const duplicates = receivers.reduce((s, r) => s + r.duplicates, 0);
  t.diagnostic(
    `${total} notifications (${REPORTS} reports × ${receivers.length} agencies), ${b ? 2 : 1} hub process(es) before the kill; ` +
      `killed A ${killedAt - firstRequestAt} ms after the first delivery, with ${receivedAtKill} received and ` +
      `${deliveredAtKill} recorded delivered; A held ${held.length} claims${b ? ` (B ${heldByB})` : ''}; ` +
      `all delivered ${finished - killedAt} ms after the kill; ` +
      `${duplicates} duplicates dropped by the receivers (${receivers.map((r) => `${r.agencyId} ${r.duplicates}`).join(', ')}); ` +
      `${retried.size} notifications took more than one attempt; test ${finished - started} ms`,
  );
  // A graceful stop for the survivors.
  await Promise.all(hubs.map((h) => stopHub(h)));
  await cleanUp();
});
