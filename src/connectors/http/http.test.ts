import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, GovbridgeError } from '../../kernel/index.ts';
import {
  CachedDocument,
  type CachePolicy,
  fetchUpstream,
  fetchUpstreamJson,
  findWithRefresh,
  type Upstream,
} from './index.ts';

/** A clock the test moves by hand. */
function manualClock(): Clock & { advance(seconds: number): void } {
  let ms = Date.UTC(2026, 11, 8);
  return {
    now: () => new Date(ms),
    epochSeconds: () => Math.floor(ms / 1000),
    advance: (seconds) => {
      ms += seconds * 1000;
    },
  };
}

function upstream(fetchImpl: typeof fetch, more: Partial<Upstream> = {}): Upstream {
  return {
    scheme: 'onelogin',
    name: 'Test IdP',
    fetch: fetchImpl,
    timeoutMs: 5000,
    redirect: 'manual',
    ...more,
  };
}

function fails(code: string, detail: Record<string, unknown>) {
  return (err: unknown) => {
    assert.ok(err instanceof GovbridgeError, String(err));
    assert.equal(err.code, code);
    for (const [k, v] of Object.entries(detail)) assert.equal(err.detail?.[k], v, k);
    return true;
  };
}

describe('fetchUpstream', () => {
  it('sends the connector’s headers, lets the call override them, and returns 4xx answers', async () => {
    let sent: Headers | undefined;
    const up = upstream(
      async (_url, init) => {
        sent = new Headers(init?.headers);
        return new Response('{"error":"invalid_grant"}', { status: 400 });
      },
      { headers: { 'user-agent': 'govbridge-test', accept: 'text/plain' } },
    );
    const res = await fetchUpstreamJson(up, 'token', 'https://idp.example/token');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_grant' });
    assert.equal(sent?.get('user-agent'), 'govbridge-test');
    await fetchUpstream(up, 'userinfo', 'https://idp.example/userinfo', {
      headers: { accept: 'application/jwt' },
    });
    assert.equal(sent?.get('accept'), 'application/jwt');
  });

  it('classifies a 5xx and a network failure as upstream_unavailable, without the query', async () => {
    const down = upstream(async () => new Response('oops', { status: 503 }));
    await assert.rejects(
      fetchUpstream(down, 'token', 'https://idp.example/token?code=secret'),
      fails('upstream_unavailable', {
        check: 'token',
        endpoint: 'token',
        status: 503,
        url: 'https://idp.example/token',
      }),
    );
    const unreachable = upstream(async () => {
      throw new TypeError('fetch failed');
    });
    await assert.rejects(
      fetchUpstream(unreachable, 'discovery', 'https://idp.example/.well-known/openid-configuration'),
      fails('upstream_unavailable', { check: 'discovery', scheme: 'onelogin' }),
    );
  });

  it('classifies an answer that never comes as upstream_timeout', async () => {
    const hanging = upstream(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
      { timeoutMs: 20 },
    );
    await assert.rejects(
      fetchUpstream(hanging, 'jwks', 'https://idp.example/jwks'),
      fails('upstream_timeout', { check: 'jwks', timeoutMs: 20 }),
    );
  });

  it('refuses a body that is too large, and one that is not JSON where JSON is expected', async () => {
    const huge = upstream(async () => new Response('x'.repeat(300 * 1024)));
    await assert.rejects(
      fetchUpstream(huge, 'discovery', 'https://idp.example/d'),
      fails('upstream_invalid_response', { check: 'size', endpoint: 'discovery' }),
    );
    const html = upstream(async () => new Response('<html>'));
    await assert.rejects(
      fetchUpstreamJson(html, 'discovery', 'https://idp.example/d'),
      fails('upstream_invalid_response', { check: 'discovery', status: 200 }),
    );
  });

  it('passes the redirect mode of the connector to fetch', async () => {
    let mode: RequestRedirect | undefined;
    const up = upstream(
      async (_url, init) => {
        mode = init?.redirect;
        return new Response('{}');
      },
      { redirect: 'error' },
    );
    await fetchUpstreamJson(up, 'userinfo', 'https://idp.example/u');
    assert.equal(mode, 'error');
  });
});

describe('CachedDocument', () => {
  const policy: CachePolicy = {
    defaultTtlSeconds: 3600,
    minTtlSeconds: 60,
    minRefreshIntervalSeconds: 30,
    staleOnError: true,
  };

  function server(answers: Array<() => Response>) {
    let calls = 0;
    const fetchImpl: typeof fetch = async () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls++;
      return answer();
    };
    return { fetchImpl, calls: () => calls };
  }

  const json = (value: unknown, cacheControl?: string) => () =>
    new Response(JSON.stringify(value), cacheControl ? { headers: { 'cache-control': cacheControl } } : {});

  it('keeps a document for its max-age within the policy’s bounds, one fetch for concurrent callers', async () => {
    const clock = manualClock();
    const s = server([json({ v: 1 }, 'max-age=120'), json({ v: 2 }, 'max-age=5'), json({ v: 3 })]);
    const doc = new CachedDocument({
      upstream: upstream(s.fetchImpl),
      url: 'https://idp.example/d',
      check: 'discovery',
      parse: (b) => b as { v: number },
      policy,
      clock,
    });
    const [a, b] = await Promise.all([doc.get(), doc.get()]);
    assert.deepEqual([a.v, b.v, s.calls()], [1, 1, 1]);
    clock.advance(119);
    assert.equal((await doc.get()).v, 1);
    clock.advance(1);
    assert.equal((await doc.get()).v, 2, 'max-age 120 has passed');
    clock.advance(59);
    assert.equal((await doc.get()).v, 2, 'max-age 5 is raised to the 60 s minimum');
    clock.advance(1);
    assert.equal((await doc.get()).v, 3);
  });

  it('caps the lifetime at maxTtlSeconds whatever the header says', async () => {
    const clock = manualClock();
    const s = server([json({ v: 1 }, 'max-age=86400'), json({ v: 2 })]);
    const doc = new CachedDocument({
      upstream: upstream(s.fetchImpl),
      url: 'https://idp.example/d',
      check: 'discovery',
      parse: (b) => b as { v: number },
      policy: { ...policy, minTtlSeconds: 3600, maxTtlSeconds: 3600 },
      clock,
    });
    assert.equal((await doc.get()).v, 1);
    clock.advance(3600);
    assert.equal((await doc.get()).v, 2);
  });

  it('keeps answering with the expired copy while a fetch fails only when the policy says so', async () => {
    for (const staleOnError of [true, false]) {
      const clock = manualClock();
      const s = server([json({ v: 1 }), () => new Response('', { status: 503 })]);
      const doc = new CachedDocument({
        upstream: upstream(s.fetchImpl),
        url: 'https://idp.example/d',
        check: 'jwks',
        parse: (b) => b as { v: number },
        policy: { ...policy, staleOnError },
        clock,
      });
      await doc.get();
      clock.advance(3600);
      if (staleOnError) assert.equal((await doc.get()).v, 1);
      else await assert.rejects(doc.get(), fails('upstream_unavailable', { check: 'jwks' }));
      await assert.rejects(doc.refresh(), fails('upstream_unavailable', { check: 'jwks' }));
    }
  });

  it('refuses a non-200 answer', async () => {
    const notFound = server([() => new Response('{}', { status: 404 })]);
    const doc = new CachedDocument({
      upstream: upstream(notFound.fetchImpl),
      url: 'https://idp.example/d',
      check: 'did_document',
      parse: (b) => b,
      policy,
      clock: manualClock(),
    });
    await assert.rejects(
      doc.get(),
      fails('upstream_invalid_response', { check: 'did_document', status: 404 }),
    );
  });

  it('findWithRefresh fetches again for a missing entry, at most once per refresh interval', async () => {
    const clock = manualClock();
    const s = server([
      json({ keys: ['k1'] }),
      json({ keys: ['k1', 'k2'] }),
      json({ keys: ['k1', 'k2', 'k3'] }),
    ]);
    let urls = 0;
    const doc = new CachedDocument({
      upstream: upstream(s.fetchImpl),
      url: async () => {
        urls++;
        return 'https://idp.example/jwks';
      },
      check: 'jwks',
      parse: (b) => (b as { keys: string[] }).keys,
      policy,
      clock,
    });
    const find = (kid: string) => findWithRefresh(doc, (keys) => keys.find((k) => k === kid));
    assert.equal((await find('k1')).found, 'k1');
    assert.equal((await find('k2')).found, undefined, 'k2 is asked for within 30 s of the fetch');
    assert.equal(s.calls(), 1);
    clock.advance(30);
    const { found, value } = await find('k2');
    assert.equal(found, 'k2');
    assert.deepEqual(value, ['k1', 'k2']);
    assert.equal(s.calls(), 2);
    assert.equal((await find('k1')).found, 'k1');
    assert.equal(s.calls(), 2, 'a known kid needs no fetch');
    assert.equal(urls, 2, 'the URL is asked for at each fetch');
  });
});
