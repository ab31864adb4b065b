import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { registerHealth } from './health.ts';
import { buildWebTestApp } from './index.ts';

test('/healthz answers 200 {status:"ok"} even when not ready', async () => {
  const { app } = await buildWebTestApp({
    checkReady: async () => {
      throw new Error('database down');
    },
  });
  try {
    const res = await app.inject({ url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    assert.equal(res.headers['cache-control'], 'no-store');
  } finally {
    await app.close();
  }
});

test('/readyz is 200 when checkReady resolves', async () => {
  let calls = 0;
  const { app } = await buildWebTestApp({
    checkReady: async () => {
      calls++;
    },
  });
  try {
    const res = await app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
    assert.equal(calls, 1);
  } finally {
    await app.close();
  }
});

test('/readyz is 503 problem+json when checkReady rejects, without the reason', async () => {
  const { app } = await buildWebTestApp({
    checkReady: async () => {
      throw new Error('postgres://user:secret@db/hub refused');
    },
  });
  try {
    const res = await app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(res.headers['retry-after'], '5');
    const body = res.json();
    assert.equal(body.status, 503);
    assert.equal(body.code, 'temporarily_unavailable');
    assert.ok(!res.body.includes('secret'));
  } finally {
    await app.close();
  }
});

test('/readyz reuses a check for readyCacheMs: concurrent and repeated probes cost one check, then it checks again', async () => {
  const app = Fastify();
  let calls = 0;
  let ready = true;
  await registerHealth(app, {
    checkReady: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      if (!ready) throw new Error('writes fail');
    },
    readyCacheMs: 300,
    logLevel: 'warn',
  });
  try {
    const first = await Promise.all(Array.from({ length: 5 }, () => app.inject({ url: '/readyz' })));
    assert.deepEqual(
      first.map((r) => r.statusCode),
      [200, 200, 200, 200, 200],
    );
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    assert.equal(calls, 1);
    // A failure is cached too, and so is the recovery after it: one check per window either way.
    ready = false;
    await new Promise((r) => setTimeout(r, 320));
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
    assert.equal(calls, 2);
    ready = true;
    await new Promise((r) => setTimeout(r, 320));
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    assert.equal(calls, 3);
  } finally {
    await app.close();
  }
});
