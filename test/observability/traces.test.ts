import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import Fastify, { type FastifyInstance } from 'fastify';
import { requestJson } from '../../src/connectors/onelogin/http-client.ts';
import { addSpanExporter } from '../../src/observability/index.ts';
import { singpassSimulator } from '../../src/simulators/singpass/index.ts';
import { createLogger } from '../../src/web/index.ts';
import { MOVE_FIELDS } from '../ledger/support.ts';
import { agencyRegistration } from '../notifications/support.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { keyPair } from '../support/receiver.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Traces (ADR 17), read with the SDK's in-memory exporter: one server span per request named by its
 * route pattern; the login's steps as its children; each call to Singpass a client span whose
 * `traceparent` the simulator receives; a Tell Us Once delivery carries `traceparent` to the agency;
 * every log line of a request carries its trace id; nothing personal, secret or from a query string
 * in any span.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
}

describe(`traces (${testDialect()})`, () => {
  const exporter = new InMemorySpanExporter();
  let stopExporting: () => void;
  let sim: FastifyInstance;
  let hub: TestHub;
  let agency: Server;
  const simSeen: Seen[] = [];
  const agencySeen: Seen[] = [];
  const lines: Array<Record<string, unknown>> = [];
  let login: Awaited<ReturnType<TestRp['login']>>;
  let loginSpans: ReadableSpan[];

  before(async () => {
    stopExporting = addSpanExporter(exporter);
    const port = await freePort();
    const hubUrl = `http://127.0.0.1:${port}`;
    // A Singpass simulator of its own, which writes down the headers of every request it gets.
    const simServer = createServer();
    await new Promise<void>((r) => simServer.listen(0, '127.0.0.1', r));
    const simBase = `http://127.0.0.1:${(simServer.address() as AddressInfo).port}/simulators/singpass`;
    sim = Fastify({
      serverFactory: (handler) => simServer.on('request', handler),
      forceCloseConnections: true,
    });
    sim.addHook('onRequest', async (req) => {
      simSeen.push({ path: req.url.split('?')[0]!, headers: req.headers });
    });
    await sim.register(singpassSimulator, {
      prefix: '/simulators/singpass',
      baseUrl: simBase,
      clients: [
        {
          clientId: 'govbridge-hub',
          jwksUri: `${hubUrl}/connectors/singpass/jwks`,
          redirectUris: [`${hubUrl}/callback/singpass`],
        },
      ],
    });
    await sim.ready();
    // An agency that accepts every notification and writes down its headers.
    agency = createServer((req, res) => {
      agencySeen.push({ path: req.url ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => agency.listen(0, '127.0.0.1', r));
    const logger = createLogger(
      { logLevel: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    hub = await startTestHub(
      {
        PORT: String(port),
        GOVBRIDGE_SINGPASS_PROFILE: 'fapi',
        GOVBRIDGE_SINGPASS_ISSUER: `${simBase}/fapi`,
        GOVBRIDGE_SINGPASS_CLIENT_ID: 'govbridge-hub',
        GOVBRIDGE_NOTIFICATION_POLL_MS: '20',
      },
      { logger },
    );
    const rp = await TestRp.register(hub, { attributes: ['name', 'birthdate'] });
    exporter.reset();
    login = await rp.login({
      params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    loginSpans = exporter.getFinishedSpans();
  });
  after(async () => {
    stopExporting?.();
    await hub?.close();
    await sim?.close();
    sim?.server.closeAllConnections();
    await new Promise((r) => sim?.server.close(r));
    await new Promise((r) => agency?.close(r));
  });

  const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
  const parentOf = (spans: ReadableSpan[], s: ReadableSpan) =>
    spans.find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId);

  test('each request is a server span named by its route pattern, never its path or query', () => {
    const servers = loginSpans.filter((s) => s.kind === SpanKind.SERVER);
    assert.ok(servers.length >= 4, `server spans: ${servers.map((s) => s.name).join(', ')}`);
    for (const s of servers) {
      assert.equal(s.parentSpanContext, undefined, `${s.name} starts its own trace`);
      assert.match(s.name, /^[A-Z]+( \/\S*)?$/, s.name);
      assert.ok(!s.name.includes('?'), s.name);
      assert.equal(typeof s.attributes['http.response.status_code'], 'number', s.name);
    }
    const names = servers.map((s) => s.name);
    assert.ok(names.includes('GET /callback/:scheme'), names.join(', '));
    // The interaction's id is in its path; the span names the pattern.
    assert.ok(
      names.some((n) => n.includes(':uid')),
      names.join(', '),
    );
  });

  test('the login steps are spans inside their request, and each Singpass call a client span inside them', () => {
    const [start] = byName(loginSpans, 'login.start');
    const [callback] = byName(loginSpans, 'login.callback');
    const [release] = byName(loginSpans, 'login.release');
    assert.ok(start && callback && release, loginSpans.map((s) => s.name).join(', '));
    for (const step of [start, callback, release]) {
      assert.equal(parentOf(loginSpans, step)?.kind, SpanKind.SERVER, `${step.name} in its request`);
      assert.equal(step.attributes['govbridge.scheme'], 'singpass');
    }
    // One login reference on every step, across the browser's requests.
    assert.match(String(start.attributes['govbridge.login']), /^[\w-]{22}$/);
    assert.equal(callback.attributes['govbridge.login'], start.attributes['govbridge.login']);
    assert.equal(release.attributes['govbridge.login'], start.attributes['govbridge.login']);
    assert.equal(parentOf(loginSpans, byName(loginSpans, 'singpass par')[0]!), start);
    // The steps are in different requests (traces); the later ones link to login.start.
    assert.notEqual(callback.spanContext().traceId, start.spanContext().traceId);
    for (const step of [callback, release]) {
      const link = step.links.find((l) => l.attributes?.['govbridge.link'] === 'login.start');
      assert.ok(link, `${step.name} links to login.start`);
      assert.equal(link.context.traceId, start.spanContext().traceId);
      assert.equal(link.context.spanId, start.spanContext().spanId);
    }
    // One trace per login: the later steps' work runs in spans whose parent is login.start, each
    // linked back to the browser request that ran it; every call to Singpass is inside that trace.
    const [upstream] = byName(loginSpans, 'login.upstream');
    const [finish] = byName(loginSpans, 'login.finish');
    assert.ok(upstream && finish, loginSpans.map((s) => s.name).join(', '));
    for (const [step, request] of [
      [upstream, callback],
      [finish, release],
    ] as const) {
      assert.equal(
        step.parentSpanContext?.spanId,
        start.spanContext().spanId,
        `${step.name} under login.start`,
      );
      assert.equal(step.spanContext().traceId, start.spanContext().traceId);
      assert.equal(step.attributes['govbridge.login'], start.attributes['govbridge.login']);
      const back = step.links.find((l) => l.attributes?.['govbridge.link'] === 'request');
      assert.equal(back?.context.spanId, request.spanContext().spanId, `${step.name} links to its request`);
    }
    for (const name of ['singpass par', 'singpass token', 'singpass userinfo']) {
      const [s] = byName(loginSpans, name);
      assert.ok(s, name);
      assert.equal(s.kind, SpanKind.CLIENT);
      assert.equal(s.spanContext().traceId, start.spanContext().traceId, `${name} in the login's trace`);
      assert.equal(s.attributes['http.response.status_code'], name === 'singpass par' ? 201 : 200);
    }
    assert.equal(parentOf(loginSpans, byName(loginSpans, 'singpass token')[0]!), upstream);
  });

  test('Singpass receives the traceparent of each call’s client span', () => {
    const clients = loginSpans.filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith('singpass '));
    assert.ok(clients.length >= 3, clients.map((s) => s.name).join(', '));
    for (const s of clients) {
      const { traceId, spanId } = s.spanContext();
      const got = simSeen.find((r) => {
        const m = TRACEPARENT.exec(String(r.headers['traceparent'] ?? ''));
        return m?.[1] === traceId && m[2] === spanId;
      });
      assert.ok(got, `${s.name}: traceparent ${traceId}/${spanId} not received by the simulator`);
    }
    const par = simSeen.find((r) => r.path.endsWith('/par'));
    assert.match(String(par?.headers['traceparent']), TRACEPARENT);
  });

  test('no personal data, token, code, state or query string in any span name or attribute', () => {
    const text = JSON.stringify(loginSpans.map((s) => ({ name: s.name, attributes: s.attributes })));
    const authorizeParams = login.params;
    const forbidden = [
      'S7912345E',
      '7b1c0a52-2f4e-4a8e-9d61-3c5a9e1f0a02',
      'TEO',
      '1979',
      login.accessToken,
      login.idToken,
      String(login.tokens['refresh_token'] ?? 'no-refresh-token-issued'),
      authorizeParams['state']!,
      authorizeParams['nonce']!,
      'sg-citizen-mid',
      '?',
      'code=',
    ];
    for (const s of forbidden) assert.ok(!text.includes(s), `span data includes ${s.slice(0, 12)}`);
    for (const r of simSeen) {
      for (const id of [r.path.split('/').pop() ?? '']) {
        if (id.length > 16) assert.ok(!text.includes(id), 'no id from a path');
      }
    }
  });

  test('every log line of a request carries the trace id of its server span', () => {
    const traceIds = new Set(
      loginSpans.filter((s) => s.kind === SpanKind.SERVER).map((s) => s.spanContext().traceId),
    );
    const requestLines = lines.filter((l) => l['reqId'] !== undefined);
    assert.ok(requestLines.length >= 8, `${requestLines.length} request lines`);
    for (const l of requestLines) {
      assert.match(String(l['trace_id']), /^[0-9a-f]{32}$/, JSON.stringify(l));
      assert.match(String(l['span_id']), /^[0-9a-f]{16}$/);
    }
    const loginTraceIds = new Set(
      requestLines.filter((l) => traceIds.has(String(l['trace_id']))).map((l) => l['trace_id']),
    );
    assert.ok(loginTraceIds.size >= 4, 'the login’s requests logged with their traces');
    // Each "incoming request" and "request completed" pair of one request share one trace id.
    for (const l of requestLines.filter((x) => x['msg'] === 'request completed')) {
      const incoming = requestLines.find((x) => x['msg'] === 'incoming request' && x['reqId'] === l['reqId']);
      assert.equal(incoming?.['trace_id'], l['trace_id']);
    }
  });

  test('a line logged through the root logger inside a login step carries that step’s trace', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'] });
    exporter.reset();
    const before = lines.length;
    // A login_hint Singpass cannot take is dropped with a warn line from the login service.
    await rp.authorize({
      params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg citizen' },
      decision: 'stop',
    });
    const warn = lines.slice(before).find((l) => l['event'] === 'parameter_dropped');
    assert.ok(warn, 'the dropped hint was logged');
    assert.equal(warn['reqId'], undefined, 'logged through the root logger, not the request’s');
    const [start] = byName(exporter.getFinishedSpans(), 'login.start');
    assert.ok(start);
    assert.equal(warn['trace_id'], start.spanContext().traceId);
    assert.equal(warn['span_id'], start.spanContext().spanId);
  });

  test('a line logged with no active span has no trace id; inside a span it has that span’s', () => {
    const out: Array<Record<string, unknown>> = [];
    const logger = createLogger({ logLevel: 'info' }, { write: (l: string) => void out.push(JSON.parse(l)) });
    logger.info('outside');
    trace.getTracer('test').startActiveSpan('inside', (span) => {
      logger.info('inside');
      span.end();
    });
    assert.equal(out[0]?.['trace_id'], undefined);
    assert.match(String(out[1]?.['trace_id']), /^[0-9a-f]{32}$/);
  });

  test('a One Login login: its calls are client spans inside the login steps, sending traceparent', async () => {
    const rp = await TestRp.register(hub, { attributes: ['name'] });
    exporter.reset();
    await rp.login({
      params: { scope: 'openid profile', idp_hint: 'onelogin', login_hint: 'eleanor-whitfield' },
    });
    const spans = exporter.getFinishedSpans();
    const [callback] = byName(spans, 'login.callback');
    assert.ok(callback, spans.map((s) => s.name).join(', '));
    assert.equal(callback.attributes['govbridge.scheme'], 'onelogin');
    const calls = spans.filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith('onelogin '));
    const names = calls.map((s) => s.name);
    assert.ok(names.includes('onelogin token_request'), names.join(', '));
    assert.ok(names.includes('onelogin userinfo'), names.join(', '));
    // The calls that finish the login run in login.upstream, in the login's trace (under login.start).
    const [start] = byName(spans, 'login.start');
    const [upstream] = byName(spans, 'login.upstream');
    assert.ok(start && upstream, spans.map((s) => s.name).join(', '));
    assert.equal(parentOf(spans, byName(spans, 'onelogin token_request')[0]!), upstream);
    assert.equal(parentOf(spans, upstream), start);
    for (const s of calls) assert.equal(s.spanContext().traceId, start.spanContext().traceId, s.name);
    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes })));
    for (const x of ['Eleanor', 'Whitfield', 'eleanor-whitfield', '?']) assert.ok(!text.includes(x), x);
  });

  test('One Login’s HTTP layer sends the traceparent of its client span, a child of the active span', async () => {
    const sent: Array<string | null> = [];
    const http = {
      timeoutMs: 1000,
      userAgent: 'govbridge-test',
      fetch: (async (_url: string, init?: RequestInit) => {
        sent.push(new Headers(init?.headers).get('traceparent'));
        return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch,
    };
    exporter.reset();
    await trace.getTracer('test').startActiveSpan('outer', async (outer) => {
      await requestJson(http, 'userinfo', 'https://oidc.example/userinfo?x=1');
      outer.end();
    });
    const [call] = byName(exporter.getFinishedSpans(), 'onelogin userinfo');
    const [outer] = byName(exporter.getFinishedSpans(), 'outer');
    assert.ok(call && outer);
    assert.equal(call.parentSpanContext?.spanId, outer.spanContext().spanId);
    const m = TRACEPARENT.exec(sent[0] ?? '');
    assert.equal(m?.[1], call.spanContext().traceId);
    assert.equal(m?.[2], call.spanContext().spanId);
    assert.equal(call.attributes['server.address'], 'oidc.example');
  });

  test('a Tell Us Once delivery carries the traceparent of its client span to the agency', async () => {
    const { publicJwk } = await keyPair();
    const url = `http://127.0.0.1:${(agency.address() as AddressInfo).port}/events`;
    await hub.ctx.notifications.agencies.register(
      agencyRegistration('uk_traced', url, publicJwk, [{ eventType: 'moving-abroad', attributes: ['name'] }]),
    );
    exporter.reset();
    await hub.ctx.notifications.reports.submit({
      accountId: 'acc-traces',
      eventType: 'moving-abroad',
      occurredOn: MOVE_FIELDS.date_of_move,
      fields: MOVE_FIELDS,
      submissionKey: 'traces-1',
    });
    const deadline = Date.now() + 20_000;
    while (agencySeen.length === 0) {
      assert.ok(Date.now() < deadline, 'the agency was not told');
      await new Promise((r) => setTimeout(r, 25));
    }
    const m = TRACEPARENT.exec(String(agencySeen[0]!.headers['traceparent'] ?? ''));
    assert.ok(m, `traceparent: ${agencySeen[0]!.headers['traceparent']}`);
    let posts: ReadableSpan[] = [];
    while (posts.length === 0 && Date.now() < deadline) {
      posts = byName(exporter.getFinishedSpans(), 'POST agency').filter(
        (s) => s.attributes['server.address'] === new URL(url).host,
      );
      await new Promise((r) => setTimeout(r, 10));
    }
    const [post] = posts;
    assert.ok(post, 'a client span for the delivery');
    assert.equal(post.kind, SpanKind.CLIENT);
    assert.equal(post.spanContext().traceId, m[1]);
    assert.equal(post.spanContext().spanId, m[2]);
    assert.equal(post.attributes['http.response.status_code'], 200);
    const text = JSON.stringify({ name: post.name, attributes: post.attributes });
    for (const s of ['TEO', 'acc-traces', 'ntf_', 'rpt_', '/events']) assert.ok(!text.includes(s), s);
  });
});
