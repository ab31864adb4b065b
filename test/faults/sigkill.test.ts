import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { send, testAgency } from '../reports/support.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import type { TestReceiver } from '../support/receiver.ts';
import { newKey, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import {
  asHub,
  children,
  confirmedReportId,
  ENABLED,
  FAULT_AGENCIES,
  type HubProcess,
  prepareReport,
  sendReport,
  serviceLogin,
  startHubProcess,
  stopHubProcess,
} from './support.ts';

/**
 * A hub process SIGKILLed in the middle of a login, a report submission and a ledger append (issue
 * 10, "Fault tests in the suite"), then started again on the same database:
 *
 * - nothing is half-done: every release has its ledger entry (the start-up heal appends the ones a
 *   kill left out), every report has its notification for each agency (and their ledger entries),
 *   the ledger's integrity check passes (a hub that starts has verified it);
 * - the citizen whose login was cut off signs in again at the service and it completes; the
 *   citizen whose report was cut off finds it sent, or sends it again;
 * - in the end every notification reaches its agency exactly once after de-duplication.
 *
 * The kill is sent while the request doing the work is in flight: the request that completes a
 * login (consent, or the return from Singpass when consent is remembered — it records the release
 * and appends it to the ledger), the token request, and a report's confirm (report, notifications
 * and their ledger entries), at delays from 0 to 40 ms after the request left, over eight kills.
 * Where exactly inside the hub each kill lands cannot be seen from outside; the test records whether
 * the cut request got an answer.
 *
 * SQLite by default; PostgreSQL (own schema) with DATABASE_URL. Run by `npm run test:faults`.
 * Bounded loops; only 127.0.0.1.
 */

const DIALECT = testDialect();

type Target = 'login' | 'token' | 'confirm';
const KILLS: ReadonlyArray<{ target: Target; delayMs: number }> = [
  { target: 'login', delayMs: 0 },
  { target: 'confirm', delayMs: 0 },
  { target: 'login', delayMs: 10 },
  { target: 'confirm', delayMs: 15 },
  { target: 'token', delayMs: 2 },
  { target: 'login', delayMs: 25 },
  { target: 'confirm', delayMs: 40 },
  { target: 'login', delayMs: 40 },
];
const TRIGGERS: Record<Target, (method: string, path: string) => boolean> = {
  login: (m, p) =>
    (m === 'POST' && /^\/interaction\/[^/]+\/consent$/.test(p)) ||
    (m === 'GET' && /^\/interaction\/[^/]+\/callback\//.test(p)),
  token: (m, p) => m === 'POST' && p === '/token',
  confirm: (m, p) => m === 'POST' && /\/tell\/confirm$/.test(p),
};

const realFetch = globalThis.fetch;
let hubOrigin = '';
/** When set, the next request it matches arms a SIGKILL of the hub `delayMs` after it is sent. */
let armed:
  | { target: Target; delayMs: number; fire: () => void; fired?: { path: string; answered?: number } }
  | undefined;

/** Cleared by `after`, so background citizens stop when the test fails instead of keeping it alive. */
let testRunning = true;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  testRunning = false;
  globalThis.fetch = realFetch;
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

test(`a hub SIGKILLed during logins, report submissions and ledger appends leaves nothing half-done after a restart (${DIALECT})`, {
  skip: ENABLED ? false : 'a fault test: run by `npm run test:faults`',
  timeout: 400_000,
}, async () => {
  const started = Date.now();
  // The hub's composition root in this process prepares the database and stays open to read it.
  const writer: TestHub = await startTestHub({
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    LOG_LEVEL: 'silent',
  });
  cleanups.push(() => writer.close());
  const db = writer.ctx.storage.db;
  const receivers: TestReceiver[] = [];
  for (const a of FAULT_AGENCIES) {
    const r = await testAgency(
      writer,
      a.id,
      a.subscriptions.map((s) => ({ eventType: s.eventType, attributes: [...s.attributes] })),
      a.extra,
    );
    receivers.push(r);
    cleanups.push(() => r.close());
  }
  const key = await newKey();
  const clientId = 'rp-sigkill';
  const redirectUri = `https://${clientId}.rp.example/callback`;
  await writer.ctx.clients.register(TestRp.metadata({}, key, clientId, redirectUri));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  hubOrigin = url;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    GOVBRIDGE_PUBLIC_URL: url,
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_NOTIFICATION_LEASE_MS: '2000',
    GOVBRIDGE_NOTIFICATION_POLL_MS: '100',
    GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '200',
    LOG_LEVEL: 'warn',
  };
  for (const name of ['DATABASE_URL', 'GOVBRIDGE_DATABASE_SCHEMA', 'GOVBRIDGE_SQLITE_PATH']) {
    if (writer.env[name]) env[name] = writer.env[name];
  }
  let hub: HubProcess = await startHubProcess('hub-1', env);
  const hubs: HubProcess[] = [hub];
  cleanups.push(() => stopHubProcess(hub));

  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const u = new URL(input instanceof Request ? input.url : String(input));
    if (u.origin !== hubOrigin) return realFetch(input, init);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const trap = armed && !armed.fired && TRIGGERS[armed.target](method, u.pathname) ? armed : undefined;
    if (trap) {
      trap.fired = { path: `${method} ${u.pathname}` };
      setTimeout(trap.fire, trap.delayMs);
    }
    try {
      const res = await realFetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(15_000) });
      if (trap?.fired) trap.fired.answered = res.status;
      return res;
    } catch (err) {
      if (trap?.fired) trap.fired.answered = 0;
      throw err;
    }
  };

  const rp = new TestRp(asHub(url), clientId, redirectUri, key, await newKey());
  const confirmed = new Set<string>();
  let n = 0;

  /** Nothing half-done, read from the database (the heal may still be running: bounded wait). */
  async function assertNothingHalfDone(label: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const unledgeredReleases = await sql<{ n: number }>`
        SELECT count(*) AS n FROM releases r
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.release_id = r.release_id)`.execute(db);
      const unledgeredNotifications = await sql<{ n: number }>`
        SELECT count(*) AS n FROM notifications x
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.release_id = x.notification_id)`.execute(db);
      const partialReports = await sql<{ report_id: string; n: number }>`
        SELECT r.report_id, (SELECT count(*) FROM notifications x WHERE x.report_id = r.report_id) AS n
        FROM reports r`.execute(db);
      const counts = {
        releasesWithoutLedgerEntry: Number(unledgeredReleases.rows[0]?.n),
        notificationsWithoutLedgerEntry: Number(unledgeredNotifications.rows[0]?.n),
        reportsWithoutAllNotifications: partialReports.rows.filter((r) => Number(r.n) !== receivers.length)
          .length,
      };
      if (Object.values(counts).every((v) => v === 0)) return;
      assert.ok(
        Date.now() < deadline,
        `${label}: half-done work 30 s after the restart: ${JSON.stringify(counts)}\n${hub.output().slice(-3000)}`,
      );
      await sleep(250);
    }
  }

  // Warm up: the first login (with consent) and report work.
  await serviceLogin(rp);
  confirmed.add(await sendReport(url, n++));

  const kills: Array<{
    target: Target;
    delayMs: number;
    cut: string;
    answered: number | undefined;
    outcome: string;
    restartMs: number;
  }> = [];
  for (const [k, kill] of KILLS.entries()) {
    // A citizen keeps working in the background, so the kill also finds other work under way.
    let background = true;
    const busy = (async () => {
      for (let i = 0; background && testRunning && i < 1000; i++) {
        try {
          await serviceLogin(rp);
          confirmed.add(await sendReport(url, n++));
        } catch {
          await sleep(50);
        }
      }
    })();

    const victim = hub;
    const killed = new Promise<void>((resolve) => {
      armed = {
        ...kill,
        fire: () => {
          victim.child.kill('SIGKILL');
          resolve();
        },
      };
    });
    let journeyId: string | undefined;
    let outcome = '';
    if (kill.target === 'confirm') {
      const prepared = await prepareReport(url, n++);
      journeyId = prepared.journeyId;
      const sent = await send(prepared.b, prepared.check).catch(() => undefined);
      const id = sent ? confirmedReportId(sent) : undefined;
      if (id) confirmed.add(id);
    } else {
      await serviceLogin(rp).catch(() => undefined);
    }
    await Promise.race([killed, sleep(20_000)]);
    const fired = armed?.fired;
    armed = undefined;
    assert.ok(fired, `kill ${k + 1}: the ${kill.target} request was sent and the hub killed`);
    await victim.exited;
    background = false;
    await Promise.race([busy, sleep(20_000)]);

    // Start it again on the same database and port.
    const restartAt = Date.now();
    hub = await startHubProcess(`hub-${k + 2}`, env);
    hubs.push(hub);
    const restartMs = Date.now() - restartAt;
    await assertNothingHalfDone(`after kill ${k + 1} (${kill.target} +${kill.delayMs} ms)`);

    if (kill.target === 'confirm') {
      // The citizen's report: sent (complete, checked above), or not there at all and sent again.
      const rows = await db
        .selectFrom('reports')
        .select('report_id')
        .where('journey_id', '=', journeyId!)
        .execute();
      if (rows.length > 0) {
        for (const r of rows) confirmed.add(r.report_id);
        outcome = `report committed (${rows.length})`;
      } else {
        const again = await sendReport(url, n++);
        confirmed.add(again);
        outcome = 'report not committed; sent again';
      }
    } else {
      // The citizen signs in again at the service: it completes.
      await serviceLogin(rp);
      outcome = 'login retried and completed';
    }
    kills.push({ ...kill, cut: fired.path, answered: fired.answered, outcome, restartMs });
  }

  // Work goes on after the last restart, and everything sent is delivered exactly once.
  await serviceLogin(rp);
  confirmed.add(await sendReport(url, n++));
  await assertNothingHalfDone('at the end');
  const stored = new Set(
    (await db.selectFrom('reports').select('report_id').execute()).map((r) => r.report_id),
  );
  assert.deepEqual(
    [...confirmed].filter((id) => !stored.has(id)),
    [],
    'every report confirmed to a citizen is in the database',
  );
  const deadline = Date.now() + 60_000;
  let notifications: Array<{ notification_id: string; agency_id: string; state: string }> = [];
  for (;;) {
    notifications = await db
      .selectFrom('notifications')
      .select(['notification_id', 'agency_id', 'state'])
      .execute();
    if (notifications.every((x) => x.state === 'delivered')) break;
    assert.ok(Date.now() < deadline, 'every notification delivered within 60 s of the last restart');
    await sleep(250);
  }
  for (const r of receivers) {
    const expected = notifications
      .filter((x) => x.agency_id === r.agencyId)
      .map((x) => x.notification_id)
      .sort();
    assert.deepEqual(
      r.events.map((e) => e.id).sort(),
      expected,
      `${r.agencyId}: each notification exactly once`,
    );
  }
  // The ledger as a starting hub checks it, from this process too.
  await writer.ctx.ledger.verifyIntegrity();
  const problems = await db.selectFrom('ledger_problems').selectAll().execute();
  assert.deepEqual(problems, [], 'no row the heal could not repair');
  console.log(
    JSON.stringify({
      dialect: DIALECT,
      kills,
      confirmedReports: confirmed.size,
      notifications: notifications.length,
      releases: Number((await sql<{ n: number }>`SELECT count(*) AS n FROM releases`.execute(db)).rows[0]?.n),
      duplicatesDropped: receivers.map((r) => r.duplicates),
      healLines: hubs.map((h) => (h.output().match(/missing from the ledger were appended/g) ?? []).length),
      totalMs: Date.now() - started,
    }),
  );
});
