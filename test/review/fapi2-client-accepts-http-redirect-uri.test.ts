import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { newKey, TestRp } from '../support/rp.ts';

/**
 * Review finding: a client with the default `govbridge_security_profile: fapi2` may register, and
 * receive authorization codes at, a plain `http://` redirect URI on a non-loopback host.
 *
 * FAPI 2.0 Security Profile §5.3.2.2 (authorization server): "shall not transmit authorization
 * responses over unencrypted network connections, and, to this end, shall not allow redirect URIs
 * that use the 'http' scheme except for native clients that use loopback interface redirection"
 * (RFC 8252 §7.3). Neither Dynamic Client Registration nor the operator path refuses it.
 */
describe('FAPI 2.0 clients and http redirect URIs', () => {
  const iat = randomBytes(32).toString('base64url');
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_INITIAL_ACCESS_TOKEN: iat });
  });
  after(async () => {
    await hub?.close();
  });

  test('DCR refuses an http redirect URI for a fapi2 web client', async () => {
    const key = await newKey();
    const { client_id: _ignored, ...metadata } = TestRp.metadata({}, key, 'ignored', 'http://rp.example/cb');
    const res = await fetch(`${hub.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${iat}` },
      body: JSON.stringify(metadata),
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 400, `registered: ${JSON.stringify(body['redirect_uris'])}`);
    assert.equal(body['error'], 'invalid_redirect_uri');
  });

  test('no authorization code is sent to an http redirect URI of a fapi2 client', async () => {
    let rp: TestRp;
    try {
      rp = await TestRp.register(hub, { redirectUri: 'http://plain-http-rp.example/cb' });
    } catch {
      return; // refused at registration: fixed
    }
    let code: string | undefined;
    try {
      const r = await rp.authorize({
        params: { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', scope: 'openid' },
      });
      code = r.response.code;
    } catch {
      code = undefined;
    }
    assert.equal(code, undefined, 'an authorization code was delivered to http://plain-http-rp.example/cb');
  });
});
