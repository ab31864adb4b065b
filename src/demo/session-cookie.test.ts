import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSessionCookie, type DemoSession } from './session-cookie.ts';

const secret = 'a-cookie-secret-of-at-least-thirty-two-characters';
const options = { secret, audience: 'demo-uk-service', path: '/demo/uk', secure: false };

const authorizing: DemoSession = {
  stage: 'authorizing',
  state: 'state-value',
  nonce: 'nonce-value',
  codeVerifier: 'v'.repeat(43),
  dpopKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' },
};

describe('session cookie', () => {
  test('round-trips a session, as an HttpOnly SameSite=Lax cookie on the demo path', async () => {
    const cookie = createSessionCookie(options);
    const { value, attributes } = await cookie.seal(authorizing);
    assert.deepEqual(await cookie.open(value), authorizing);
    assert.deepEqual(attributes, {
      path: '/demo/uk',
      httpOnly: true,
      sameSite: 'lax',
      secure: false,
      maxAge: 600,
    });
    assert.equal(cookie.name, 'govbridge-demo-uk-service');
  });

  test('is an encrypted JWT (dir, A256GCM) that does not show its contents', async () => {
    const { value } = await createSessionCookie(options).seal(authorizing);
    const [header, encryptedKey] = value.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()), {
      alg: 'dir',
      enc: 'A256GCM',
    });
    assert.equal(encryptedKey, '');
    assert.doesNotMatch(value, /state-value|nonce-value/);
    assert.equal(value.split('.').length, 5);
  });

  test('a tampered, foreign or missing cookie is no session', async () => {
    const cookie = createSessionCookie(options);
    const { value } = await cookie.seal(authorizing);
    const parts = value.split('.');
    const ciphertext = parts[3] ?? '';
    parts[3] = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`;
    assert.equal(await cookie.open(parts.join('.')), undefined);
    assert.equal(await cookie.open(undefined), undefined);
    assert.equal(await cookie.open(''), undefined);
    assert.equal(await cookie.open('not.a.jwe'), undefined);
    const otherDemo = createSessionCookie({ ...options, audience: 'demo-sg-service' });
    assert.equal(await otherDemo.open(value), undefined, 'the key is derived per demo');
    const otherSecret = createSessionCookie({ ...options, secret: `${secret}-rotated` });
    assert.equal(await otherSecret.open(value), undefined);
  });

  test('is marked Secure, with the __Secure- prefix, behind https', async () => {
    const cookie = createSessionCookie({ ...options, secure: true });
    assert.equal(cookie.name, '__Secure-govbridge-demo-uk-service');
    const { attributes } = await cookie.seal(authorizing);
    assert.equal(attributes.secure, true);
  });

  test('refuses to build a cookie a browser would drop', async () => {
    const cookie = createSessionCookie(options);
    const huge: DemoSession = {
      stage: 'signed-in',
      idToken: 'x'.repeat(4000),
      amr: [],
      claims: [],
      withheld: [],
      csrf: 'c'.repeat(32),
    };
    await assert.rejects(cookie.seal(huge), /does not fit in a cookie/);
  });
});
