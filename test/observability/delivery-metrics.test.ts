import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHubMetrics, MAX_VALUES_PER_LABEL } from '../../src/observability/index.ts';
import { MOVE_FIELDS } from '../ledger/support.ts';
import { agencyRegistration, drainQueue, notifyFixture } from '../notifications/support.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { startReceiver, type TestReceiver } from '../support/receiver.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Metrics of Tell Us Once delivery (ADR 14): after one report told to the demo agencies, an agency
 * that answers 503 once and then accepts, and one that refuses (400, a dead letter), a scrape shows
 * the attempts by agency, outcome and result class, their latency, the report-to-delivery latency and
 * the dead letter. The database pool's gauges appear on PostgreSQL only. The same exposition is
 * served behind the admin token at /admin/api/metrics.
 */
const TOKEN = 'metrics-operator-token-0123456789abcdef';

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** The lines of the given metric families (the counters and histograms a scrape should agree on). */
function family(text: string, prefixes: string[]): string[] {
  return text
    .split('\n')
    .filter((l) => prefixes.some((p) => l.startsWith(p)))
    .sort();
}

describe(`delivery metrics (${testDialect()})`, () => {
  let hub: TestHub;
  let flaky: TestReceiver;
  let refusing: TestReceiver;
  let text: string;
  let demoAgencies: string[];

  before(async () => {
    hub = await startTestHub({
      GOVBRIDGE_METRICS_PORT: '0',
      GOVBRIDGE_ADMIN_TOKEN: TOKEN,
      GOVBRIDGE_NOTIFICATION_POLL_MS: '20',
      GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '20',
      LOG_LEVEL: 'silent',
    });
    const jwks = (await (await fetch(`${hub.url}/notifications/jwks.json`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    flaky = await startReceiver({ agencyId: 'uk_flaky', hubPublicJwk: jwks.keys[0]! });
    refusing = await startReceiver({ agencyId: 'uk_refusing', hubPublicJwk: jwks.keys[0]! });
    flaky.script = (n) => (n === 1 ? { status: 503 } : undefined);
    refusing.script = () => ({ status: 400 });
    for (const rx of [flaky, refusing]) {
      await hub.ctx.notifications.agencies.register(
        agencyRegistration(rx.agencyId, rx.url, rx.publicJwk, [
          { eventType: 'moving-abroad', attributes: ['name', 'new_address'] },
        ]),
      );
    }
    await hub.ctx.notifications.reports.submit({
      accountId: 'acc-metrics',
      eventType: 'moving-abroad',
      occurredOn: MOVE_FIELDS.date_of_move,
      fields: MOVE_FIELDS,
      submissionKey: 'delivery-metrics-1',
    });
    const rows = await hub.ctx.storage.db.selectFrom('notifications').select('agency_id').execute();
    demoAgencies = rows.map((r) => r.agency_id).filter((a) => a !== 'uk_flaky' && a !== 'uk_refusing');
    assert.ok(demoAgencies.length > 0, 'the demo agencies are told too');
    // Until nothing is left to send: every notification delivered or dead.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const open = await hub.ctx.storage.db
        .selectFrom('notifications')
        .select('notification_id')
        .where('state', 'in', ['pending', 'sending', 'retrying'])
        .execute();
      if (open.length === 0) break;
      assert.ok(Date.now() < deadline, `${open.length} notifications still open`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const res = await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`);
    assert.equal(res.status, 200);
    text = await res.text();
  });
  after(async () => {
    await flaky?.close();
    await refusing?.close();
    await hub?.close();
  });

  test('attempts by agency, outcome and result class; each attempt timed', () => {
    for (const agency of demoAgencies) {
      assert.equal(
        value(text, 'govbridge_delivery_attempts_total', { agency, outcome: 'delivered', result: '2xx' }),
        1,
        `${agency} delivered at the first attempt`,
      );
    }
    assert.equal(
      value(text, 'govbridge_delivery_attempts_total', {
        agency: 'uk_flaky',
        outcome: 'retry',
        result: '5xx',
      }),
      1,
    );
    assert.equal(
      value(text, 'govbridge_delivery_attempts_total', {
        agency: 'uk_flaky',
        outcome: 'delivered',
        result: '2xx',
      }),
      1,
    );
    assert.equal(
      value(text, 'govbridge_delivery_attempts_total', {
        agency: 'uk_refusing',
        outcome: 'dead',
        result: '4xx',
      }),
      1,
    );
    assert.equal(value(text, 'govbridge_delivery_attempt_duration_seconds_count', { agency: 'uk_flaky' }), 2);
    assert.equal(
      value(text, 'govbridge_delivery_attempt_duration_seconds_count', { agency: 'uk_refusing' }),
      1,
    );
  });

  test('report-to-delivery latency, retries included; none for the dead letter', () => {
    for (const agency of [...demoAgencies, 'uk_flaky']) {
      assert.equal(value(text, 'govbridge_delivery_latency_seconds_count', { agency }), 1, agency);
      const sum = value(text, 'govbridge_delivery_latency_seconds_sum', { agency }) ?? -1;
      assert.ok(sum >= 0 && sum < 30, `${agency}: ${sum} s`);
    }
    // The flaky agency's delivery waited for a retry: at least the 20 ms backoff's lower half.
    assert.ok((value(text, 'govbridge_delivery_latency_seconds_sum', { agency: 'uk_flaky' }) ?? 0) >= 0.01);
    assert.equal(
      value(text, 'govbridge_delivery_latency_seconds_count', { agency: 'uk_refusing' }),
      undefined,
    );
  });

  test('the dead letter, with the result class of its last attempt, beside the queue gauge', () => {
    assert.equal(value(text, 'govbridge_dead_letters_total', { agency: 'uk_refusing', result: '4xx' }), 1);
    assert.equal(value(text, 'govbridge_dead_letters_total', { agency: 'uk_flaky' }), undefined);
    assert.equal(value(text, 'govbridge_notifications', { agency: 'uk_refusing', state: 'dead' }), 1);
  });

  test('the database pool: gauges on PostgreSQL, none on SQLite (which has no pool)', () => {
    if (testDialect() === 'postgres') {
      assert.equal(value(text, 'govbridge_db_pool_max'), 10);
      const inUse = value(text, 'govbridge_db_pool_in_use');
      const idle = value(text, 'govbridge_db_pool_idle');
      assert.ok(inUse !== undefined && inUse >= 0 && inUse <= 10, `in use ${inUse}`);
      assert.ok(idle !== undefined && idle >= 0 && inUse + idle <= 10, `idle ${idle}`);
      assert.ok((value(text, 'govbridge_db_pool_waiting') ?? -1) >= 0);
    } else {
      assert.ok(!text.includes('govbridge_db_pool_'), 'no pool gauges on SQLite');
    }
  });

  test('nothing about the person or the notification in any label', async () => {
    for (const s of ['TEO', '1979-08-22', 'Anson', 'Horse Guards', 'acc-metrics', 'ntf_', 'rpt_']) {
      assert.ok(!text.includes(s), `no ${s} in the metrics`);
    }
    const ids = await hub.ctx.storage.db
      .selectFrom('notifications')
      .select(['notification_id', 'report_id'])
      .execute();
    for (const r of ids) {
      assert.ok(!text.includes(r.notification_id) && !text.includes(r.report_id));
    }
  });

  test('behind the admin token: 401 problem+json without it, the same exposition with it', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`]) {
      const res = await fetch(`${hub.url}/admin/api/metrics`, {
        headers: authorization ? { authorization } : {},
      });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      const body = await res.text();
      assert.ok(!body.includes('govbridge_'), 'no metrics without the token');
    }
    const res = await fetch(`${hub.url}/admin/api/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const viaAdmin = await res.text();
    const viaListener = await (await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`)).text();
    const families = [
      'govbridge_delivery_',
      'govbridge_dead_letters_',
      'govbridge_notifications',
      'govbridge_logins_',
      'govbridge_consents_',
    ];
    const fromAdmin = family(viaAdmin, families);
    assert.ok(fromAdmin.length > 10);
    assert.deepEqual(fromAdmin, family(viaListener, families));
  });
});

describe('delivery metric labels stay bounded', () => {
  test(`agencies past ${MAX_VALUES_PER_LABEL} fold into "other"; a result that is not an identifier too`, async () => {
    const metrics = createHubMetrics({ defaultMetrics: false });
    for (let i = 0; i < MAX_VALUES_PER_LABEL * 2; i++) {
      metrics.delivery.attempted(`agency_${i}`, 'dead', '4xx', 0.01);
      metrics.delivery.deadLettered(`agency_${i}`, '4xx');
      metrics.delivery.delivered(`agency_${i}`, 1);
    }
    metrics.delivery.deadLettered('agency_0', 'HTTP 400: refused by <the> agency');
    const text = await metrics.render();
    for (const name of ['govbridge_delivery_attempts_total{', 'govbridge_dead_letters_total{']) {
      const agencies = new Set(
        text
          .split('\n')
          .filter((l) => l.startsWith(name))
          .map((l) => /agency="([^"]*)"/.exec(l)?.[1]),
      );
      assert.equal(agencies.size, MAX_VALUES_PER_LABEL + 1, name);
      assert.ok(agencies.has('other'));
    }
    assert.equal(value(text, 'govbridge_dead_letters_total', { agency: 'other' }), MAX_VALUES_PER_LABEL);
    assert.equal(value(text, 'govbridge_dead_letters_total', { agency: 'agency_0', result: 'other' }), 1);
    assert.ok(!text.includes('<the>'));
    const latencySeries = text
      .split('\n')
      .filter((l) => l.startsWith('govbridge_delivery_latency_seconds_count{'));
    assert.equal(latencySeries.length, MAX_VALUES_PER_LABEL + 1);
  });
});

describe(`a failing delivery observer never stands in the way of a delivery (${testDialect()})`, () => {
  test('the observer throws: the notification is still delivered and recorded, and the failure logged', async () => {
    const f = await notifyFixture();
    const rx = await startReceiver({ agencyId: 'uk_observed', hubPublicJwk: f.hubPublicJwk });
    try {
      await f.agencies.register(
        agencyRegistration('uk_observed', rx.url, rx.publicJwk, [
          { eventType: 'moving-abroad', attributes: ['name'] },
        ]),
      );
      const { reportId } = await f.reports.submit({
        accountId: 'acc-observed',
        eventType: 'moving-abroad',
        occurredOn: '2026-12-01',
        fields: MOVE_FIELDS,
        submissionKey: 'observer-throws-1',
      });
      const errors: string[] = [];
      const boom = () => {
        throw new Error('metrics are broken');
      };
      const w = f.worker({
        observer: { attempted: boom, delivered: boom, deadLettered: boom },
        logger: { warn: () => {}, error: (_o, msg) => errors.push(msg) },
      });
      const state = async () =>
        (
          await f.storage.db
            .selectFrom('notifications')
            .select('state')
            .where('report_id', '=', reportId)
            .executeTakeFirstOrThrow()
        ).state;
      await drainQueue(w, async () => (await state()) === 'delivered', 10_000);
      assert.equal(await state(), 'delivered');
      assert.equal(rx.events.length, 1);
      assert.ok(errors.includes('the delivery observer failed'), errors.join('\n'));
    } finally {
      await rx.close();
      await f.close();
    }
  });
});
