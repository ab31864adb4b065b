import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTracing } from '../../src/observability/index.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/**
 * The OTLP exporter (ADR 17): off unless GOVBRIDGE_OTLP_ENDPOINT is set; when set, the spans of the
 * hub's requests reach the collector (here a plain HTTP server standing in for one) at the latest
 * when the hub closes.
 */
describe(`OTLP export (${testDialect()})`, () => {
  let collector: Server;
  let hub: TestHub;
  let closed = false;
  const received: Array<{ path: string; type: string; body: string }> = [];

  before(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          type: String(req.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const port = (collector.address() as AddressInfo).port;
    hub = await startTestHub({
      LOG_LEVEL: 'silent',
      GOVBRIDGE_OTLP_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
    });
  });
  after(async () => {
    if (!closed) await hub?.close();
    await new Promise((r) => collector?.close(r));
  });

  test('no endpoint: nothing is exported', async () => {
    const tracing = startTracing({});
    assert.equal(tracing.exporting, false);
    await tracing.close();
  });

  test('with an endpoint, a request’s server span reaches the collector', async () => {
    const res = await fetch(`${hub.url}/.well-known/openid-configuration?probe=secret-value`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    await hub.close();
    closed = true;
    const traces = received.filter((r) => r.path === '/v1/traces');
    assert.ok(traces.length >= 1, 'the collector received an export');
    const all = traces.map((r) => r.body).join('\n');
    assert.match(traces[0]!.type, /application\/json/);
    assert.ok(all.includes('GET /.well-known/openid-configuration'), 'the request’s span was exported');
    assert.ok(all.includes('"govbridge"'), 'service.name govbridge');
    assert.ok(!all.includes('secret-value'), 'no query string in an exported span');
  });
});
