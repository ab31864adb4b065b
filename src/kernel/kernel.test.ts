import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GovbridgeError, publicView, seal, unseal } from './index.ts';

const key = new Uint8Array(32).fill(1);

test('seal/unseal round-trips and binds the context', () => {
  const s = seal(key, 'secret', 'ctx-a');
  assert.equal(unseal(key, s, 'ctx-a'), 'secret');
  assert.throws(() => unseal(key, s, 'ctx-b'), /failed authentication/);
  assert.throws(() => unseal(new Uint8Array(32).fill(2), s, 'ctx-a'), /failed authentication/);
  const parts = s.split('.');
  parts[2] = Buffer.from('tampered').toString('base64url');
  assert.throws(() => unseal(key, parts.join('.'), 'ctx-a'), /failed authentication/);
  assert.throws(() => unseal(key, 'v0.a.b.c', 'ctx-a'), /unknown format/);
});

test('publicView hides what is not exposed', () => {
  assert.deepEqual(publicView(new GovbridgeError('not_found', 'No such page')), {
    code: 'not_found',
    status: 404,
    message: 'No such page',
  });
  const hidden = publicView(new GovbridgeError('storage_error', 'connection string postgres://secret'));
  assert.equal(hidden.code, 'server_error');
  assert.doesNotMatch(hidden.message, /secret/);
  assert.equal(publicView(new Error('boom')).status, 500);
});

test('readTextLimited reads within the limit and refuses more, declared or streamed', async () => {
  const { readTextLimited } = await import('./index.ts');
  assert.equal(await readTextLimited(new Response('hello'), 5), 'hello');
  assert.equal(await readTextLimited(new Response('hello!'), 5), undefined);
  const declared = new Response('x', { headers: { 'content-length': '999999' } });
  assert.equal(await readTextLimited(declared, 1000), undefined);
  let pulls = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      controller.enqueue(new Uint8Array(1024));
    },
  });
  assert.equal(await readTextLimited(new Response(endless), 10 * 1024), undefined);
  assert.ok(pulls < 20, 'stops reading soon after the limit');
});
