import assert from 'node:assert/strict';
import { test } from 'node:test';
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
