import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { parseRetryAfter, retryDelay } from '../../src/notifications/index.ts';
import { type Answer, startReceiver, type TestReceiver } from '../support/receiver.ts';
import { testDialect } from '../support/storage.ts';
import { agencyRegistration, drainQueue, MOVE_FIELDS, type NotifyFixture, notifyFixture } from './support.ts';

/**
 * An agency that is down, slow, answering 4xx or 5xx, answering success twice, or asking to slow
 * down: each outcome recorded as the issue asks, on SQLite and PostgreSQL.
 */
let f: NotifyFixture;
let rx: TestReceiver;
let n = 0;

before(async () => {
  f = await notifyFixture();
  rx = await startReceiver({ agencyId: 'uk_dvla', hubPublicJwk: f.hubPublicJwk });
  await f.agencies.register(
    agencyRegistration(
      'uk_dvla',
      rx.url,
      rx.publicJwk,
      [{ eventType: 'moving-abroad', attributes: ['name', 'new_address'] }],
      {
        maxAttempts: 3,
      },
    ),
  );
});
after(async () => {
  await rx.close();
  await f.close();
});
beforeEach(() => {
  rx.script = () => undefined;
});

async function report(): Promise<string> {
  const i = ++n;
  // Each its own report: the same content re-sent within 24 hours would be the same report.
  const { reportId } = await f.reports.submit({
    accountId: 'acc-f',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: { ...MOVE_FIELDS, name: `PERSON ${i}` },
    submissionKey: `fault-${i}`,
  });
  const row = await f.storage.db
    .selectFrom('notifications')
    .select('notification_id')
    .where('report_id', '=', reportId)
    .where('agency_id', '=', 'uk_dvla')
    .executeTakeFirstOrThrow();
  return row.notification_id;
}

const state = async (id: string) => f.operator.get(id);

/** Answer `answer` the first time notification `id` arrives, then accept it. */
function once(id: string, answer: Answer): TestReceiver['script'] {
  let done = false;
  return (_n, eventId) => {
    if (eventId !== id || done) return undefined;
    done = true;
    return answer;
  };
}

test('a 5xx is retried with backoff, then delivered', async () => {
  const id = await report();
  rx.script = once(id, { status: 503 });
  const w = f.worker();
  await w.runOnce();
  let s = await state(id);
  assert.equal(s.state, 'retrying');
  assert.equal(s.lastStatus, 503);
  assert.equal(s.failures.length, 1);
  // Scheduled after the failed attempt by the backoff (equal jitter: 10–20 ms here), not at once;
  // compared with the attempt's own time, not with the test's clock, which a loaded machine delays.
  assert.ok(s.nextAttemptAt > s.failures[0]!.at, 'a retry is scheduled, not immediate');
  await drainQueue(w, async () => (await state(id)).state === 'delivered');
  s = await state(id);
  assert.equal(s.attempts, 2);
  assert.ok(rx.events.some((e) => e.id === id));
});

test('an agency that is down (connection refused) is retried, then dead-lettered after its attempt limit; replay delivers', async () => {
  // A port nobody listens on.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await f.agencies.register(
    agencyRegistration(
      'uk_down',
      `http://127.0.0.1:${port}/x`,
      rx.publicJwk,
      [{ eventType: 'moving-abroad', attributes: ['name'] }],
      {
        maxAttempts: 2,
      },
    ),
  );
  const i = ++n;
  const { reportId } = await f.reports.submit({
    accountId: 'acc-f',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: { ...MOVE_FIELDS, name: `PERSON ${i}` },
    submissionKey: `down-${i}`,
  });
  const rows = await f.storage.db
    .selectFrom('notifications')
    .select(['notification_id', 'agency_id'])
    .where('report_id', '=', reportId)
    .execute();
  const downId = rows.find((r) => r.agency_id === 'uk_down')!.notification_id;
  const w = f.worker({ agencyCacheMs: 0 });
  await drainQueue(w, async () => (await state(downId)).state === 'dead');
  const s = await state(downId);
  assert.equal(s.attempts, 2);
  assert.match(s.lastError!, /could not reach the agency \(ECONNREFUSED\).*gave up after 2 attempts/);
  assert.equal(s.failures.length, 2);
  assert.deepEqual(
    (await f.operator.list({ state: 'dead', agencyId: 'uk_down' })).map((r) => r.notificationId),
    [downId],
  );

  // The operator points the agency at a working endpoint and replays its dead letters.
  await f.agencies.register(
    agencyRegistration('uk_down', rx.url.replace('/notifications', '/fixed'), rx.publicJwk, [
      { eventType: 'moving-abroad', attributes: ['name'] },
    ]),
  );
  // The receiver checks the recipient: this one is uk_dvla's, so it refuses (422) → dead again, not retried.
  assert.equal(await f.operator.replay({ agencyId: 'uk_down' }), 1);
  await drainQueue(
    w,
    async () => (await state(downId)).state === 'dead' && (await state(downId)).attempts === 3,
  );
  assert.match((await state(downId)).lastError!, /HTTP 422: refused by the agency/);
  await assert.rejects(f.operator.replay({ notificationId: 'ntf_nope' }), /No notification/);
  // A suspended agency is offered nothing new.
  await f.agencies.setStatus('uk_down', 'suspended');
  const plan = await f.reports.preview({
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
  });
  assert.deepEqual(
    plan.map((p) => p.agency.agencyId),
    ['uk_dvla'],
  );
});

test('4xx other than 408 and 429 is not retried blindly: dead letter at once', async () => {
  const id = await report();
  rx.script = (_n, eventId) => (eventId === id ? { status: 400 } : undefined);
  await f.worker().runOnce();
  const s = await state(id);
  assert.equal(s.state, 'dead');
  assert.equal(s.attempts, 1);
  assert.match(s.lastError!, /HTTP 400/);
  // Replay, now that the agency accepts it.
  rx.script = () => undefined;
  assert.equal(await f.operator.replay({ notificationId: id }), 1);
  await drainQueue(f.worker(), async () => (await state(id)).state === 'delivered');
  await assert.rejects(f.operator.replay({ notificationId: id }), /is delivered, not dead/);
});

test('408 is retried; a redirect is not followed', async () => {
  const a = await report();
  const b = await report();
  rx.script = (_n, eventId) =>
    eventId === a
      ? { status: 408 }
      : eventId === b
        ? { status: 307, headers: { location: 'https://elsewhere.example/' } }
        : undefined;
  await f.worker().runOnce();
  assert.equal((await state(a)).state, 'retrying');
  assert.equal((await state(b)).state, 'dead');
  assert.match((await state(b)).lastError!, /redirect not followed/);
});

test('429 honours Retry-After', async () => {
  const id = await report();
  rx.script = (_n, eventId) =>
    eventId === id ? { status: 429, headers: { 'retry-after': '120' } } : undefined;
  const t0 = Date.now();
  await f.worker().runOnce();
  const s = await state(id);
  assert.equal(s.state, 'retrying');
  assert.ok(s.nextAttemptAt >= t0 + 120_000, 'not before the agency asked');
  assert.ok(s.nextAttemptAt < t0 + 130_000);
  // Make it due now and let it through, so later tests start clean.
  await f.storage.db
    .updateTable('notifications')
    .set({ next_attempt_at: 0 })
    .where('notification_id', '=', id)
    .execute();
  rx.script = () => undefined;
  await drainQueue(f.worker(), async () => (await state(id)).state === 'delivered');
});

test('a slow agency times out and is retried; the late answer does not count', async () => {
  const id = await report();
  rx.script = once(id, { delayMs: 800 });
  const w = f.worker({ timeoutMs: 200 });
  await w.runOnce();
  const s = await state(id);
  assert.equal(s.state, 'retrying');
  assert.match(s.lastError!, /no answer within 200 ms/);
  await drainQueue(w, async () => (await state(id)).state === 'delivered');
});

test('an agency that answers success twice (the same event sent again) processes it once', async () => {
  const id = await report();
  await f.worker().runOnce();
  assert.equal((await state(id)).state, 'delivered');
  // Simulate a redelivery (a lease that ran out after the agency had already acknowledged).
  await f.storage.db
    .updateTable('notifications')
    .set({ state: 'pending', next_attempt_at: 0 })
    .where('notification_id', '=', id)
    .execute();
  const dupBefore = rx.duplicates;
  await f.worker().runOnce();
  assert.equal((await state(id)).state, 'delivered');
  assert.equal(rx.duplicates, dupBefore + 1);
  assert.equal(rx.events.filter((e) => e.id === id).length, 1);
});

test('a connection dropped without an answer is retried', async () => {
  const id = await report();
  rx.script = once(id, { destroy: true });
  const w = f.worker();
  await w.runOnce();
  assert.equal((await state(id)).state, 'retrying');
  await drainQueue(w, async () => (await state(id)).state === 'delivered');
});

test('two workers never claim the same notification', {
  skip: testDialect() === 'sqlite' ? 'PostgreSQL only: SQLite has one writer' : false,
}, async () => {
  const ids: string[] = [];
  const before = rx.requests;
  for (let i = 0; i < 120; i++) ids.push(await report());
  const a = f.worker({ concurrency: 16 });
  const b = f.worker({ concurrency: 16 });
  // Second connection pool for the second worker would be closer to two processes; the row locks are
  // the same either way: SKIP LOCKED is what keeps them apart.
  await Promise.all([
    drainQueue(a, async () => rx.requests - before >= 120),
    drainQueue(b, async () => rx.requests - before >= 120),
  ]);
  assert.equal(rx.requests - before, 120, 'each notification sent exactly once');
  const states = await f.storage.db
    .selectFrom('notifications')
    .select('state')
    .where('notification_id', 'in', ids)
    .execute();
  assert.ok(states.every((s) => s.state === 'delivered'));
});

test('backoff grows exponentially with jitter and Retry-After reads both forms', () => {
  const p = { baseMs: 1000, maxMs: 60_000 };
  assert.equal(
    retryDelay(1, p, () => 0),
    500,
  );
  assert.equal(
    retryDelay(1, p, () => 1),
    1000,
  );
  assert.equal(
    retryDelay(3, p, () => 1),
    4000,
  );
  assert.equal(
    retryDelay(30, p, () => 1),
    60_000,
  );
  assert.equal(parseRetryAfter('120', 0), 120_000);
  assert.equal(
    parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT')),
    60_000,
  );
  assert.equal(parseRetryAfter('soon', 0), undefined);
});
