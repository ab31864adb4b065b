import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { signIn, startJourney, testAgency } from '../reports/support.ts';
import { findForm, getPage, type TestBrowser } from '../support/http.ts';
import { freePort, startTestHub } from '../support/hub.ts';
import type { TestReceiver } from '../support/receiver.ts';
import { newKey, TestRp } from '../support/rp.ts';
import {
  asHub,
  children,
  ENABLED,
  FAULT_AGENCIES,
  type HubProcess,
  sendReport,
  serviceLogin,
  startHubProcess,
  stopHubProcess,
} from './support.ts';

/**
 * A SQLite file that fills its disk while the hub runs, then gets space back (issue 10, "Fault tests
 * in the suite"). One hub process (`node src/server.ts`) keeps its database on a small tmpfs of its
 * own; citizens sign in to a service (OAuth), start journeys and send Tell Us Once reports, over and
 * over. A filler file takes the last byte of the disk:
 *
 * - what needs a write answers 503 (the GOV.UK "service unavailable" page, problem+json, OAuth
 *   `temporarily_unavailable`), each within 2 s; /readyz is 503; no answer is a 500; the process
 *   stays up; its log says SQLITE_FULL / disk_full, never the ROLLBACK error that follows a failed
 *   commit;
 * - the filler is removed: with no restart, logins and reports work again;
 * - every report the citizen was told was sent is in the database with a notification per agency,
 *   each delivered exactly once after de-duplication.
 *
 * Needs root (mount); run by `npm run test:faults`. Every loop is bounded; only 127.0.0.1.
 */

const IS_ROOT = process.getuid?.() === 0;
const SKIP = !ENABLED
  ? 'a fault test: run by `npm run test:faults`'
  : !IS_ROOT
    ? 'needs root to mount a small tmpfs for the SQLite file (the fault suite runs as root in CI)'
    : false;
/** How long the disk stays full once writes are refused. */
const FULL_MS = 6_000;
const ANSWER_MS = 2_000;
const CITIZENS = 2;

interface Exchange {
  method: string;
  path: string;
  startedAt: number;
  ms: number;
  status: number;
}
const exchanges: Exchange[] = [];
let hubOrigin = '';
const realFetch = globalThis.fetch;

/** The workload runs while this is true; `after` ends it too, so a failed test does not hang. */
let running = true;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  running = false;
  globalThis.fetch = realFetch;
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

/** Fill the file system holding `dir` with `file` until it is full (bounded). */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  try {
    for (let i = 0; i < 4096; i++) {
      try {
        written += writeSync(fd, chunk);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ENOSPC') throw err;
        // The last partial megabyte: smaller pieces until not one byte more fits.
        for (const size of [65536, 4096, 512, 1]) {
          for (let j = 0; j < 64; j++) {
            try {
              written += writeSync(fd, chunk.subarray(0, size));
            } catch {
              break;
            }
          }
        }
        return written;
      }
    }
    throw new Error('the disk did not fill up');
  } finally {
    closeSync(fd);
  }
}

test('SQLite on a disk that fills up while the hub runs: 503 (page, problem+json, OAuth) and /readyz 503 meanwhile, the process stays up, it recovers by itself when space is back, nothing confirmed is lost', {
  skip: SKIP,
  timeout: 300_000,
}, async () => {
  const base = mkdtempSync(join(tmpdir(), 'govbridge-disk-full-'));
  cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const disk = join(base, 'disk');
  mkdirSync(disk);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', disk], { encoding: 'utf8' });
  assert.equal(mounted.status, 0, mounted.stderr);
  cleanups.push(() => {
    spawnSync('umount', ['-l', disk]);
  });
  const sqlitePath = join(disk, 'hub.db');

  // The hub's composition root in this process prepares the database (keys, agencies, a client),
  // then closes it: the hub process is the only one using the file during the fault.
  const writer = await startTestHub({
    GOVBRIDGE_SQLITE_PATH: sqlitePath,
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    LOG_LEVEL: 'silent',
  });
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
  const clientId = 'rp-disk-full';
  const redirectUri = `https://${clientId}.rp.example/callback`;
  await writer.ctx.clients.register(TestRp.metadata({}, key, clientId, redirectUri));
  await writer.close();

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  hubOrigin = url;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const u = new URL(input instanceof Request ? input.url : String(input));
    if (u.origin !== hubOrigin) return realFetch(input, init);
    const startedAt = Date.now();
    const record = (status: number) =>
      exchanges.push({
        method: init?.method ?? 'GET',
        path: u.pathname,
        startedAt,
        ms: Date.now() - startedAt,
        status,
      });
    try {
      const res = await realFetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(15_000) });
      record(res.status);
      return res;
    } catch (err) {
      record(0);
      throw err;
    }
  };
  const hub: HubProcess = await startHubProcess('A', {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    GOVBRIDGE_PUBLIC_URL: url,
    GOVBRIDGE_SQLITE_PATH: sqlitePath,
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_NOTIFICATION_LEASE_MS: '3000',
    GOVBRIDGE_NOTIFICATION_POLL_MS: '100',
    GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '200',
    LOG_LEVEL: 'warn',
  });
  cleanups.push(() => stopHubProcess(hub));
  const rp = new TestRp(asHub(url), clientId, redirectUri, key, await newKey());
  const probeBrowser: TestBrowser = await signIn(asHub(url));
  await startJourney(asHub(url), probeBrowser, 'moving_singapore_to_uk', ['1', '9', '2025']);

  // The workload.
  const confirmed = new Set<string>();
  const tally = { logins: 0, reports: 0, failures: 0 };
  let n = 0;
  const citizens = Array.from({ length: CITIZENS }, async () => {
    for (let i = 0; running && i < 10_000; i++) {
      try {
        await serviceLogin(rp);
        tally.logins++;
        confirmed.add(await sendReport(url, n++));
        tally.reports++;
      } catch {
        tally.failures++;
        await sleep(100);
      }
    }
  });
  async function fullFlows(label: string): Promise<number> {
    const since = { ...tally };
    const started = Date.now();
    while (!(tally.logins > since.logins && tally.reports > since.reports)) {
      assert.ok(
        Date.now() - started < 60_000,
        `${label}: no full login and report within 60 s ${JSON.stringify(tally)}\n${hub.output().slice(-3000)}`,
      );
      await sleep(100);
    }
    return Date.now() - started;
  }

  /** Requests that need a write, as a service, a person and a program send them. */
  async function probe(): Promise<
    Array<{ what: string; status: number; ms: number; unavailable: boolean; ok: boolean }>
  > {
    const out: Array<{ what: string; status: number; ms: number; unavailable: boolean; ok: boolean }> = [];
    const time = async (
      what: string,
      fn: () => Promise<{ status: number; unavailable: boolean; ok: boolean }>,
    ) => {
      const started = Date.now();
      try {
        out.push({ what, ...(await fn()), ms: Date.now() - started });
      } catch (err) {
        out.push({
          what: `${what} (${String(err)})`,
          status: 0,
          unavailable: false,
          ok: false,
          ms: Date.now() - started,
        });
      }
    };
    // The form to start a journey (a read: it works on a full disk), then its POST (a write).
    const choose = await getPage(probeBrowser, url, '/life-events');
    const form = findForm(choose.html, '/life-events/start');
    const body = new URLSearchParams(form.fields);
    for (const [k, v] of Object.entries({
      event: 'moving_singapore_to_uk',
      'eventDate-day': '1',
      'eventDate-month': '9',
      'eventDate-year': '2025',
    }))
      body.set(k, v);
    const startJourneyAs = (accept: string) =>
      probeBrowser.request(new URL(form.action, choose.url).toString(), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
        body: body.toString(),
      });
    await Promise.all([
      time('readyz', async () => {
        const res = await fetch(`${url}/readyz`);
        await res.arrayBuffer();
        return { status: res.status, unavailable: res.status === 503, ok: res.status === 200 };
      }),
      time('par (OAuth)', async () => {
        const r = await rp.par(rp.authorizationParams(TestRp.pkce()));
        return {
          status: r.status,
          unavailable: r.status === 503 && r.body['error'] === 'temporarily_unavailable',
          ok: r.status === 201,
        };
      }),
      time('start a journey (page)', async () => {
        const res = await startJourneyAs('text/html');
        const html = await res.text();
        return {
          status: res.status,
          unavailable:
            res.status === 503 &&
            res.headers.get('retry-after') !== null &&
            /<title>Sorry, the service is unavailable/.test(html),
          ok: res.status === 303,
        };
      }),
      time('start a journey (problem+json)', async () => {
        const res = await startJourneyAs('application/json');
        const problem = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        return {
          status: res.status,
          unavailable:
            res.status === 503 &&
            problem['status'] === 503 &&
            String(res.headers.get('content-type')).startsWith('application/problem+json') &&
            res.headers.get('retry-after') !== null,
          ok: res.status === 303,
        };
      }),
    ]);
    return out;
  }

  await fullFlows('before the disk fills');
  const before = { ...tally };

  // ---- the disk fills up -------------------------------------------------------------------------
  const filler = join(disk, 'filler');
  const fillStarted = Date.now();
  const filled = fill(filler);
  const fullAt = Date.now();
  // Until every write is refused (what is left of the write-ahead log may take a few more writes).
  let all503 = -1;
  let readyz503 = -1;
  const firstProbes: Array<Awaited<ReturnType<typeof probe>>> = [];
  for (let i = 0; i < 300 && all503 < 0 && Date.now() - fullAt < 60_000; i++) {
    const p = await probe();
    firstProbes.push(p);
    if (readyz503 < 0 && p.find((x) => x.what === 'readyz')?.unavailable) readyz503 = Date.now() - fullAt;
    if (p.every((x) => x.unavailable)) all503 = Date.now() - fullAt;
    else await sleep(100);
  }
  assert.ok(
    all503 >= 0,
    `every write answered 503 within 60 s of the disk filling: ${JSON.stringify(firstProbes.slice(-2))}\n${hub.output().slice(-3000)}`,
  );
  // It stays that way while the disk is full: each probe a 503 within 2 s.
  const heldFrom = Date.now();
  const probes: Array<Awaited<ReturnType<typeof probe>>[number]> = [];
  for (let i = 0; i < 100 && Date.now() - heldFrom < FULL_MS; i++) {
    probes.push(...(await probe()));
    await sleep(200);
  }
  const heldUntil = Date.now();
  assert.ok(probes.length >= 8, 'probed while the disk was full');
  assert.deepEqual(
    probes.filter((p) => !p.unavailable || p.ms > ANSWER_MS),
    [],
    'while the disk is full, every write answers 503 within 2 s',
  );
  // Nothing the workload got meanwhile was a 500, hung or failed to answer.
  const wrong = exchanges.filter(
    (e) =>
      e.startedAt >= fullAt &&
      e.startedAt <= heldUntil &&
      (e.status === 0 || (e.status >= 500 && e.status !== 503) || e.ms > ANSWER_MS),
  );
  assert.deepEqual(wrong, [], 'workload answers while the disk is full');
  assert.deepEqual(hub.exits, [], 'the hub process is still running');
  const log = hub.output();
  assert.match(log, /"dbError":"SQLITE_FULL"/, 'the log names the SQLite code');
  assert.match(log, /"reason":"disk_full"/);
  assert.doesNotMatch(
    log,
    /cannot rollback/i,
    'the log does not show the ROLLBACK error instead of the full disk',
  );
  assert.doesNotMatch(log, /"level":50/, 'no error-level line (a 500) during the fault');

  // ---- space comes back --------------------------------------------------------------------------
  unlinkSync(filler);
  const freedAt = Date.now();
  let recovered = -1;
  for (let i = 0; i < 300 && recovered < 0 && Date.now() - freedAt < 60_000; i++) {
    const p = await probe();
    if (p.every((x) => x.ok)) recovered = Date.now() - freedAt;
    else await sleep(100);
  }
  assert.ok(
    recovered >= 0,
    'every probe succeeds again within 60 s of the space coming back, without a restart',
  );
  const flowsAfter = await fullFlows('after space came back');
  assert.deepEqual(hub.exits, [], 'the hub process never exited');

  running = false;
  await Promise.race([Promise.all(citizens), sleep(30_000)]);

  // ---- nothing confirmed is lost; each notification delivered once ---------------------------------
  const db = new DatabaseSync(sqlitePath, { readOnly: true });
  cleanups.push(() => db.close());
  const stored = new Set(
    (db.prepare('SELECT report_id FROM reports').all() as Array<{ report_id: string }>).map(
      (r) => r.report_id,
    ),
  );
  assert.deepEqual(
    [...confirmed].filter((id) => !stored.has(id)),
    [],
    'every report confirmed to a citizen is in the database',
  );
  assert.ok(confirmed.size > before.reports, 'reports were sent');
  const deadline = Date.now() + 60_000;
  let notifications: Array<{ notification_id: string; agency_id: string; report_id: string; state: string }> =
    [];
  for (;;) {
    notifications = db
      .prepare('SELECT notification_id, agency_id, report_id, state FROM notifications')
      .all() as typeof notifications;
    if (notifications.every((x) => x.state === 'delivered')) break;
    assert.ok(Date.now() < deadline, 'every notification delivered within 60 s after the fault');
    await sleep(250);
  }
  for (const id of confirmed) {
    assert.equal(
      notifications.filter((x) => x.report_id === id).length,
      receivers.length,
      `report ${id} has a notification per agency`,
    );
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
  console.log(
    JSON.stringify({
      fillerBytes: filled,
      fillMs: fullAt - fillStarted,
      readyz503AfterFullMs: readyz503,
      allWrites503AfterFullMs: all503,
      probesWhileFull: probes.length,
      slowestProbeWhileFullMs: Math.max(...probes.map((p) => p.ms)),
      everyProbeOkAfterSpaceBackMs: recovered,
      fullLoginAndReportAfterSpaceBackMs: recovered + flowsAfter,
      tally,
      confirmedReports: confirmed.size,
      notifications: notifications.length,
      duplicatesDropped: receivers.map((r) => r.duplicates),
    }),
  );
});
