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
