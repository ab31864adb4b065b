import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHubMetrics, MAX_VALUES_PER_LABEL } from '../../src/observability/index.ts';
import { MOVE_FIELDS } from '../ledger/support.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Metrics (ADR 14): after a login, a refused login, a declined consent, a consent withdrawal and a
 * Tell Us Once report, a scrape of the metrics listener shows each — and never anything about the
 * person. The exposition is on its own listener, not the public one.
 */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe(`metrics (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  let text: string;
  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_METRICS_PORT: '0', LOG_LEVEL: 'silent' });
    rp = await TestRp.register(hub, { country: 'GB' });
    const ok = await rp.login({
      params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    assert.ok(ok.accessToken);
    const refused = await rp.authorize({
      params: { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', acr_values: 'urn:govbridge:loa:high' },
    });
    assert.equal(refused.response.error, 'unmet_authentication_requirements');
    const declined = await rp.authorize({
      params: { scope: 'openid email', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
      decision: 'decline',
    });
    assert.equal(declined.response.error, 'access_denied');
    const release = await hub.ctx.storage.db
      .selectFrom('releases')
      .select(['account_id', 'consent_id'])
      .where('client_id', '=', rp.clientId)
      .where('consent_id', 'is not', null)
      .executeTakeFirstOrThrow();
    assert.ok(await hub.ctx.consents.withdraw(release.account_id, release.consent_id!));
    await hub.ctx.notifications.reports.submit({
      accountId: release.account_id,
      eventType: 'moving-abroad',
      occurredOn: MOVE_FIELDS.date_of_move,
      fields: MOVE_FIELDS,
      submissionKey: 'metrics-test-report-1',
    });
    const res = await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    text = await res.text();
  });
  after(async () => {
    await hub?.close();
  });

  test('logins started, completed (with acr) and refused (with code and check), and their durations', () => {
    const client = rp.clientId;
    assert.ok((value(text, 'govbridge_logins_started_total', { scheme: 'singpass', client }) ?? 0) >= 2);
    assert.equal(
      value(text, 'govbridge_logins_completed_total', {
        scheme: 'singpass',
        client,
        acr: 'urn:govbridge:loa:substantial',
      }),
      1,
    );
    assert.equal(
      value(text, 'govbridge_logins_refused_total', {
        client,
        code: 'unmet_authentication_requirements',
        check: 'assurance',
      }),
      1,
    );
    assert.equal(
      value(text, 'govbridge_logins_refused_total', {
        client,
        code: 'access_denied',
        check: 'citizen_declined',
      }),
      1,
    );
    assert.equal(value(text, 'govbridge_login_duration_seconds_count', { scheme: 'singpass' }), 1);
    assert.ok(
      (value(text, 'govbridge_login_upstream_duration_seconds_count', {
        scheme: 'singpass',
        outcome: 'completed',
      }) ?? 0) >= 2,
    );
  });

  test('consents given, declined and withdrawn', () => {
    const client = rp.clientId;
    assert.equal(value(text, 'govbridge_consents_total', { event: 'given', client }), 1);
    assert.equal(value(text, 'govbridge_consents_total', { event: 'declined', client }), 1);
    assert.equal(value(text, 'govbridge_consents_total', { event: 'withdrawn', client }), 1);
  });

  test('release-policy decisions, Tell Us Once notifications and the ledger', () => {
    assert.ok(
      (value(text, 'govbridge_policy_decisions_total', { effect: 'allow', recipient_kind: 'service' }) ?? 0) >
        0,
    );
    assert.ok((value(text, 'govbridge_policy_decisions_total', { recipient_kind: 'agency' }) ?? 0) > 0);
    const notifications = text.split('\n').filter((l) => l.startsWith('govbridge_notifications{'));
    assert.ok(notifications.length > 0, 'notifications by agency and state');
    assert.ok(
      notifications.every((l) => /agency="[^"]+",state="[a-z_]+"/.test(l)),
      notifications.join('\n'),
    );
    assert.ok((value(text, 'govbridge_ledger_entries') ?? 0) >= 2);
  });

  test('process memory and event-loop lag', () => {
    assert.ok((value(text, 'govbridge_process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(value(text, 'govbridge_nodejs_eventloop_lag_seconds') !== undefined);
  });

  test('nothing about the person in any label', () => {
    for (const s of ['TEO', 'S9812381D', '1979-08-22', 'sg-citizen-mid', 'daniel', 'Anson']) {
      assert.ok(!text.includes(s), `no ${s} in the metrics`);
    }
  });

  test('not served on the public listener', async () => {
    const res = await fetch(`${hub.url}/metrics`);
    assert.equal(res.status, 404);
  });
});

describe('metric labels stay bounded', () => {
  test(`at most ${MAX_VALUES_PER_LABEL} values per label; free text never becomes a label`, async () => {
    const metrics = createHubMetrics({ defaultMetrics: false });
    for (let i = 0; i < MAX_VALUES_PER_LABEL * 3; i++) metrics.login.started('singpass', `client-${i}`);
    metrics.login.refused('singpass', 'client-0', 'a code with spaces <b>', 'check');
    const text = await metrics.render();
    const series = text.split('\n').filter((l) => l.startsWith('govbridge_logins_started_total{'));
    assert.equal(series.length, MAX_VALUES_PER_LABEL + 1, 'the rest folded into one "other" series');
    assert.equal(
      value(text, 'govbridge_logins_started_total', { client: 'other' }),
      MAX_VALUES_PER_LABEL * 2,
    );
    assert.equal(value(text, 'govbridge_logins_refused_total', { code: 'other' }), 1);
    assert.ok(!text.includes('<b>'));
  });
});
