import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { signIn, startJourney, testAgency } from '../reports/support.ts';
import type { TestBrowser } from '../support/http.ts';
import { freePort, startTestHub } from '../support/hub.ts';
import { createPgCluster, type PgCluster } from '../support/pg-cluster.ts';
import type { TestReceiver } from '../support/receiver.ts';
import { newKey, TestRp } from '../support/rp.ts';
import {
  asHub,
  children,
  ENABLED,
  type HubProcess,
  sendReport,
  serviceLogin,
  startHubProcess,
} from './support.ts';

/**
 * PostgreSQL restarts under load (issue 10, "A PostgreSQL restart kills the hub" and "answer 503,
 * not 500"): two hub processes (`node src/server.ts`) on a throwaway cluster of their own
 * (test/support/pg-cluster.ts, never the machine's shared server), with citizens signing in through
 * a service (OAuth: PAR → authorize → Singpass simulator → consent → token), signing in to their
 * account, starting life-event journeys and sending Tell Us Once reports. PostgreSQL is stopped with
 * `-m fast` and `-m immediate`, for about 1 s and about 20 s, five times. Throughout:
 *
 * - no hub process exits;
 * - while PostgreSQL is down, every answer is a 503 (page, problem+json, or OAuth
 *   `temporarily_unavailable`) within 2 s — no 500, nothing hangs — for the probes, which need the
 *   database, and no answer of the running workload is a 5xx other than 503 or takes 2 s;
 * - once it is back, everything succeeds again without restarting anything;
 * - at the end, every report a citizen was shown as sent is in the database, and every notification
 *   reached its agency exactly once after the receivers' de-duplication; the ledger verifies.
 *
 * Run by `npm run test:faults` (GOVBRIDGE_FAULT_TESTS=1), which CI calls after the PostgreSQL suite;
 * `npm run test:unit` skips it (it needs the PostgreSQL server binaries and takes minutes).
 * Every loop is bounded in count and time; everything talks to 127.0.0.1 only.
 */

/** Five stops: both modes, short and long. */
const CYCLES: ReadonlyArray<{ mode: 'fast' | 'immediate'; downMs: number }> = [
  { mode: 'fast', downMs: 1_000 },
  { mode: 'immediate', downMs: 20_000 },
  { mode: 'immediate', downMs: 1_000 },
  { mode: 'fast', downMs: 20_000 },
  { mode: 'fast', downMs: 1_000 },
];
/** During an outage, every answer comes within this. */
const OUTAGE_ANSWER_MS = 2_000;
const CITIZENS_PER_HUB = 2;
const INITIAL_ACCESS_TOKEN = randomBytes(24).toString('base64url');

// ---- every request the test makes to a hub, timed -------------------------------------------------

interface Exchange {
  hub: string;
  method: string;
  path: string;
  startedAt: number;
  ms: number;
  /** 0: no answer (network error or our 15 s timeout). */
  status: number;
  probe: boolean;
}
const exchanges: Exchange[] = [];
const hubNames = new Map<string, string>();
const realFetch = globalThis.fetch;
let probing = false;
globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const hub = hubNames.get(url.origin);
  if (!hub) return realFetch(input, init);
  const startedAt = Date.now();
  const started = performance.now();
  const probe = probing;
  const record = (status: number) =>
    exchanges.push({
      hub,
      method: init?.method ?? 'GET',
      path: url.pathname,
      startedAt,
      ms: performance.now() - started,
      status,
      probe,
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

// ---- what a citizen does ---------------------------------------------------------------------------

interface Tally {
  logins: number;
  reports: number;
  journeys: number;
  failures: number;
}

// ---- the test --------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<void>> = [];
/** The workload runs while this is true (set false at the end, or when the test fails). */
let running = true;
after(async () => {
  running = false;
  globalThis.fetch = realFetch;
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

test('PostgreSQL stopped (fast and immediate, ~1 s and ~20 s, five times) under load: no hub exits, 503 within 2 s while it is down, everything works again after, nothing confirmed is lost, each notification once', {
  skip: ENABLED ? false : 'a fault test: run by `npm run test:faults`',
  timeout: 300_000,
}, async () => {
  const testStarted = Date.now();
  const cluster: PgCluster = await createPgCluster();
  cleanups.push(() => cluster.destroy());
  await cluster.start();
  const schema = `faults_${randomBytes(4).toString('hex')}`;

  // The hub's composition root in this process (delivery worker off) prepares the database: schema,
  // keys, agencies, clients. It stays open through the faults — a third hub, in the test's process.
  const writer = await startTestHub({
    DATABASE_URL: cluster.url,
    GOVBRIDGE_DATABASE_SCHEMA: schema,
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_LEDGER_CHECKPOINT_MS: '1000',
    LOG_LEVEL: 'silent',
  });
  cleanups.push(() => writer.close());
  const receivers: TestReceiver[] = [
    await testAgency(writer, 'uk_fault_test', [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'date_of_move', 'to_country', 'new_address', 'email'],
      },
    ]),
    await testAgency(
      writer,
      'sg_fault_test',
      [
        {
          eventType: 'moving-abroad',
          attributes: ['name', 'nationalities', 'from_country', 'previous_address'],
        },
      ],
      { country: 'SG', name: 'Singapore fault test agency' },
    ),
  ];
  for (const r of receivers) cleanups.push(() => r.close());

  // Two hub processes on the cluster, each with its own public URL (simulators included).
  const hubs: HubProcess[] = [];
  for (const name of ['A', 'B']) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    hubNames.set(url, name);
    hubs.push(
      await startHubProcess(name, {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        GOVBRIDGE_PUBLIC_URL: url,
        DATABASE_URL: cluster.url,
        GOVBRIDGE_DATABASE_SCHEMA: schema,
        GOVBRIDGE_DEMO_SERVICES: 'false',
        GOVBRIDGE_INITIAL_ACCESS_TOKEN: INITIAL_ACCESS_TOKEN,
        GOVBRIDGE_NOTIFICATION_LEASE_MS: '3000',
        GOVBRIDGE_NOTIFICATION_POLL_MS: '100',
        GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '200',
        GOVBRIDGE_LEDGER_CHECKPOINT_MS: '1000',
        LOG_LEVEL: 'warn',
      }),
    );
  }
  const rps = new Map<string, TestRp>();
  for (const hub of hubs) {
    const key = await newKey();
    const clientId = `rp-fault-${hub.name.toLowerCase()}`;
    const redirectUri = `https://${clientId}.rp.example/callback`;
    await writer.ctx.clients.register(TestRp.metadata({}, key, clientId, redirectUri));
    rps.set(hub.name, new TestRp(asHub(hub.url), clientId, redirectUri, key, await newKey()));
  }
  // For the probes: a signed-in browser with a journey, and a service's access token, per hub.
  const probeSessions = new Map<string, { b: TestBrowser; journey: string; accessToken: string }>();
  for (const hub of hubs) {
    const b = await signIn(asHub(hub.url));
    const login = await rps.get(hub.name)!.login({
      params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    probeSessions.set(hub.name, {
      b,
      journey: await startJourney(asHub(hub.url), b, 'moving_singapore_to_uk', ['1', '9', '2025']),
      accessToken: login.accessToken,
    });
  }
  const registrationBody = async () => {
    const { client_id: _id, ...m } = TestRp.metadata({}, await newKey(), 'ignored', 'https://dcr.example/cb');
    return JSON.stringify(m);
  };

  // The workload: per hub, citizens doing a service login, then a report, over and over.
  const confirmed = new Set<string>();
  const tally = new Map<string, Tally>(
    hubs.map((h) => [h.name, { logins: 0, reports: 0, journeys: 0, failures: 0 }]),
  );
  let n = 0;
  const citizens = hubs.flatMap((hub) =>
    Array.from({ length: CITIZENS_PER_HUB }, async () => {
      const t = tally.get(hub.name)!;
      for (let i = 0; running && i < 10_000; i++) {
        try {
          await serviceLogin(rps.get(hub.name)!);
          t.logins++;
          const reportId = await sendReport(hub.url, n++);
          confirmed.add(reportId);
          t.journeys++;
          t.reports++;
        } catch {
          t.failures++;
          await sleep(100);
        }
      }
    }),
  );

  /** Until each hub has done a full login and a full report since `since`. */
  async function healthy(since: { logins: number; reports: number }[], label: string): Promise<number> {
    const started = Date.now();
    for (;;) {
      const ok = hubs.every((h, i) => {
        const t = tally.get(h.name)!;
        return t.logins > since[i]!.logins && t.reports > since[i]!.reports;
      });
      if (ok) return Date.now() - started;
      assert.ok(
        Date.now() - started < 60_000,
        `${label}: no full login and report on every hub within 60 s: ${JSON.stringify([...tally])}\n${hubs.map((h) => h.output().slice(-3000)).join('\n---\n')}`,
      );
      await sleep(100);
    }
  }
  const snapshot = () => hubs.map((h) => ({ ...tally.get(h.name)! }));

  /** Requests that need the database, as a service and a person send them. */
  async function probe(
    hub: HubProcess,
  ): Promise<Array<{ what: string; status: number; ms: number; ok: boolean }>> {
    probing = true;
    const out: Array<{ what: string; status: number; ms: number; ok: boolean }> = [];
    const time = async (what: string, fn: () => Promise<{ status: number; ok: boolean }>) => {
      const started = performance.now();
      try {
        const r = await fn();
        out.push({ what, ...r, ms: performance.now() - started });
      } catch (err) {
        out.push({ what: `${what} (${String(err)})`, status: 0, ok: false, ms: performance.now() - started });
      }
    };
    try {
      const session = probeSessions.get(hub.name)!;
      const rp = rps.get(hub.name)!;
      await Promise.all([
        time('journey page', async () => {
          const res = await session.b.request(`${hub.url}/life-events/journeys/${session.journey}`, {
            headers: { accept: 'text/html' },
          });
          const html = await res.text();
          return {
            status: res.status,
            ok:
              res.status === 503 &&
              res.headers.get('retry-after') !== null &&
              /<title>Sorry, the service is unavailable/.test(html),
          };
        }),
        time('api journey list', async () => {
          const res = await session.b.request(`${hub.url}/life-events/journeys/${session.journey}/tell`, {
            headers: { accept: 'application/json' },
          });
          const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
          return {
            status: res.status,
            ok: res.status === 503 && body['status'] === 503 && res.headers.get('retry-after') !== null,
          };
        }),
        time('token', async () => {
          const r = await rp.token(randomBytes(16).toString('base64url'), 'x'.repeat(43));
          return {
            status: r.status,
            ok:
              r.status === 503 &&
              r.body['error'] === 'temporarily_unavailable' &&
              r.headers.get('retry-after') !== null,
          };
        }),
        time('userinfo', async () => {
          const r = await rp.userinfo(session.accessToken);
          return {
            status: r.status,
            ok:
              r.status === 503 &&
              r.body['error'] === 'temporarily_unavailable' &&
              r.headers.get('retry-after') !== null,
          };
        }),
        time('registration', async () => {
          const res = await fetch(`${hub.url}/register`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
              authorization: `Bearer ${INITIAL_ACCESS_TOKEN}`,
            },
            body: await registrationBody(),
          });
          const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
          return {
            status: res.status,
            ok: res.status === 503 && body['error'] === 'temporarily_unavailable',
          };
        }),
        time('par', async () => {
          const r = await rp.par(rp.authorizationParams(TestRp.pkce()));
          return {
            status: r.status,
            ok:
              r.status === 503 &&
              r.body['error'] === 'temporarily_unavailable' &&
              r.headers.get('retry-after') !== null,
          };
        }),
        time('authorize (person)', async () => {
          const res = await fetch(
            rp.authorizeUrl(`urn:ietf:params:oauth:request_uri:${randomBytes(8).toString('hex')}`),
            { redirect: 'manual', headers: { accept: 'text/html' } },
          );
          const html = await res.text();
          const location = res.headers.get('location') ?? '';
          return {
            status: res.status,
            ok:
              (res.status === 503 && /<title>Sorry, the service is unavailable/.test(html)) ||
              (res.status >= 300 &&
                res.status < 400 &&
                location.startsWith(rp.redirectUri) &&
                new URL(location).searchParams.get('error') === 'temporarily_unavailable'),
          };
        }),
        time('readyz', async () => {
          const res = await fetch(`${hub.url}/readyz`);
          await res.arrayBuffer();
          return { status: res.status, ok: res.status === 503 };
        }),
      ]);
    } finally {
      probing = false;
    }
    return out;
  }

  const measured: Array<{
    mode: string;
    downMs: number;
    probes: number;
    slowestProbeMs: number;
    firstOkAfterStartMs: number;
    fullFlowsAfterStartMs: number;
  }> = [];

  await healthy(
    hubs.map(() => ({ logins: 0, reports: 0 })),
    'before the first stop',
  );

  for (const [c, cycle] of CYCLES.entries()) {
    // Stop PostgreSQL while the workload runs.
    const stopAt = Date.now();
    await cluster.stop(cycle.mode);
    const downSince = Date.now();
    const probes: Array<{ hub: string; what: string; status: number; ms: number; ok: boolean }> = [];
    for (let round = 0; round < 200 && Date.now() - downSince < cycle.downMs; round++) {
      const results = await Promise.all(hubs.map(async (h) => ({ h, r: await probe(h) })));
      for (const { h, r } of results) for (const p of r) probes.push({ hub: h.name, ...p });
      await sleep(200);
    }
    const remaining = cycle.downMs - (Date.now() - downSince);
    if (remaining > 0) await sleep(remaining);
    const startAt = Date.now();
    await cluster.start();
    const upAt = Date.now();

    for (const h of hubs) {
      assert.deepEqual(
        h.exits,
        [],
        `hub ${h.name} is still running after stop ${c + 1}:\n${h.output().slice(-4000)}`,
      );
    }
    // While it was down: each probe a 503 (or the protocol's equivalent) within 2 s.
    assert.ok(probes.length >= 6 * hubs.length, `cycle ${c + 1}: probed at least once`);
    const bad = probes.filter((p) => !p.ok || p.ms > OUTAGE_ANSWER_MS);
    assert.deepEqual(bad, [], `cycle ${c + 1} (${cycle.mode}, ${cycle.downMs} ms): probes during the outage`);
    // And nothing the workload got meanwhile was a 500 or slow (requests begun after the stop).
    const during = exchanges.filter((e) => e.startedAt >= stopAt && e.startedAt + e.ms <= startAt);
    const wrong = during.filter(
      (e) => e.status === 0 || (e.status >= 500 && e.status !== 503) || e.ms > OUTAGE_ANSWER_MS,
    );
    assert.deepEqual(wrong, [], `cycle ${c + 1}: workload answers during the outage`);

    // Back: the first probe that succeeds, and then full flows, with no restart of any hub.
    let firstOk = -1;
    for (let i = 0; i < 300 && firstOk < 0; i++) {
      const ok = await Promise.all(
        hubs.map(async (h) => {
          const s = probeSessions.get(h.name)!;
          const res = await s.b.request(`${h.url}/life-events/journeys/${s.journey}`);
          await res.arrayBuffer();
          return res.status === 200;
        }),
      );
      if (ok.every(Boolean)) firstOk = Date.now() - upAt;
      else await sleep(50);
    }
    assert.ok(firstOk >= 0, `cycle ${c + 1}: the hubs answer again after PostgreSQL is back`);
    const flows = await healthy(snapshot(), `after stop ${c + 1}`);
    measured.push({
      mode: cycle.mode,
      downMs: upAt - stopAt,
      probes: probes.length,
      slowestProbeMs: Math.round(Math.max(...probes.map((p) => p.ms))),
      firstOkAfterStartMs: firstOk,
      fullFlowsAfterStartMs: flows + firstOk,
    });
  }

  running = false;
  await Promise.race([Promise.all(citizens), sleep(30_000)]);
  for (const h of hubs) assert.deepEqual(h.exits, [], `hub ${h.name} never exited`);

  // Every report a citizen was told was sent is in the database, with its notifications; all of
  // them are delivered (leases of deliveries the outages interrupted run out, then they are sent
  // again), and each reached its agency exactly once after de-duplication.
  const db = new pg.Client({ connectionString: cluster.url });
  await db.connect();
  cleanups.push(() => db.end());
  await db.query(`SET search_path = ${schema}`);
  const reportRows = await db.query<{ report_id: string }>('SELECT report_id FROM reports');
  const stored = new Set(reportRows.rows.map((r) => r.report_id));
  const missing = [...confirmed].filter((id) => !stored.has(id));
  assert.deepEqual(missing, [], 'every confirmed report is in the database');
  assert.ok(confirmed.size >= CYCLES.length, `reports were sent (${confirmed.size})`);
  const deadline = Date.now() + 60_000;
  let notifications: Array<{ notification_id: string; agency_id: string; report_id: string; state: string }> =
    [];
  for (;;) {
    notifications = (await db.query('SELECT notification_id, agency_id, report_id, state FROM notifications'))
      .rows;
    if (notifications.every((x) => x.state === 'delivered')) break;
    assert.ok(
      Date.now() < deadline,
      `undelivered 60 s after the last restart: ${JSON.stringify(notifications.filter((x) => x.state !== 'delivered').slice(0, 5))}`,
    );
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
    const got = r.events.map((e) => e.id).sort();
    assert.deepEqual(got, expected, `${r.agencyId}: each notification exactly once after de-duplication`);
  }

  // The ledger is intact (group commits that failed mid-outage left nothing half-written), and
  // appends work after the faults: the integrity check a starting hub runs, from here.
  await writer.ctx.ledger.verifyIntegrity();

  // Requests: one warn line each. Background loops: one line when an outage begins, not one per tick
  // (three loops — deliveries, checkpoints, sweeps — and five outages).
  const outageLines = hubs.map((h) => (h.output().match(/"database unavailable"/g) ?? []).length);
  const pausedLines = hubs.map((h) => (h.output().match(/paused until it is back/g) ?? []).length);
  for (const [i, paused] of pausedLines.entries()) {
    assert.ok(paused >= 1 && paused <= 3 * CYCLES.length, `hub ${hubs[i]!.name}: ${paused} "paused" lines`);
  }
  const t = Object.fromEntries(tally);
  console.log(
    JSON.stringify(
      {
        measured,
        tally: t,
        confirmedReports: confirmed.size,
        notifications: notifications.length,
        duplicatesDropped: receivers.map((r) => r.duplicates),
        outageLogLines: outageLines,
        pausedLines,
        exchanges: exchanges.length,
        totalMs: Date.now() - testStarted,
      },
      null,
      1,
    ),
  );
});
