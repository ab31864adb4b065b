import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { deriveClientKey } from './client-key.ts';

const secret = 'a-shared-secret-of-at-least-thirty-two-characters';

test('every process sharing the secret derives the same client key; demos and secrets differ', async () => {
  const a = await deriveClientKey(secret, 'demo-uk-service');
  const b = await deriveClientKey(secret, 'demo-uk-service');
  const sg = await deriveClientKey(secret, 'demo-sg-service');
  const other = await deriveClientKey(`${secret}!`, 'demo-uk-service');
  assert.deepEqual(a.publicJwk, b.publicJwk);
  assert.notEqual(a.kid, sg.kid);
  assert.notEqual(a.kid, other.kid);
  assert.equal(a.publicJwk.d, undefined);
  assert.equal(a.publicJwk.kid, a.kid);
  assert.equal(a.publicJwk.alg, 'ES256');
});

test('the private key signs what the published public key verifies (it is a valid P-256 pair)', async () => {
  const { privateKey, publicJwk, kid } = await deriveClientKey(secret, 'demo-sg-service');
  const jwt = await new SignJWT({ sub: 'demo-sg-service' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(privateKey);
  const { payload } = await jwtVerify(jwt, await importJWK(publicJwk, 'ES256'));
  assert.equal(payload.sub, 'demo-sg-service');
});
