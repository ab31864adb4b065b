import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Refusals outside the login pipeline (ADR 14): an account cookie that names no live session is
 * counted by the check that failed (as in its warn line), and every error response by its stable
 * code and status — never the session id, the path or anything the caller sent.
 */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe(`refusal and error-response metrics (${testDialect()})`, () => {
  let hub: TestHub;
  let text: string;
  const unknownId = 'Q'.repeat(43);
  const path404 = '/api/no-such-thing-0f9c2e';

  before(async () => {
    hub = await startTestHub({
      GOVBRIDGE_METRICS_PORT: '0',
      GOVBRIDGE_ADMIN_TOKEN: 'refusal-metrics-token-0123456789abcdef',
      LOG_LEVEL: 'silent',
    });
    const page = (cookieValue: string) =>
      fetch(`${hub.url}/account/consents`, {
        headers: { cookie: `govbridge-account=${encodeURIComponent(hub.app.signCookie(cookieValue))}` },
        redirect: 'manual',
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    // Signed by the hub, so the cookie is read; the ids name no session.
    assert.equal(await page(unknownId), 200);
    assert.equal(await page(unknownId), 200);
    assert.equal(await page('not-a-session-id'), 200);

    const missing = await fetch(`${hub.url}${path404}`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /problem\+json/);
    await missing.arrayBuffer();
    const noToken = await fetch(`${hub.url}/admin/api/agencies`);
    assert.equal(noToken.status, 401);
    await noToken.arrayBuffer();

    text = await (await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`)).text();
  });
  after(async () => {
    await hub?.close();
  });

  test('account-session refusals by check', () => {
    assert.equal(
      value(text, 'govbridge_refusals_total', { code: 'account_session_refused', check: 'unknown' }),
      2,
    );
    assert.equal(
      value(text, 'govbridge_refusals_total', { code: 'account_session_refused', check: 'malformed' }),
      1,
    );
  });

  test('error responses by stable code and status', () => {
    assert.ok(
      (value(text, 'govbridge_error_responses_total', { code: 'not_found', status: '404' }) ?? 0) >= 1,
    );
    assert.ok(
      (value(text, 'govbridge_error_responses_total', { code: 'unauthorized', status: '401' }) ?? 0) >= 1,
    );
    const series = text.split('\n').filter((l) => l.startsWith('govbridge_error_responses_total{'));
    assert.ok(
      series.every((l) => /^govbridge_error_responses_total\{code="[a-z_]+",status="\d{3}"\} \d+$/.test(l)),
    );
  });

  test('no session id, path or input in any label', () => {
    for (const s of [unknownId, 'not-a-session-id', 'no-such-thing', '/api/', '/account/']) {
      assert.ok(!text.includes(s), `no ${s} in the metrics`);
    }
  });
});
