import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { newKey, TestRp } from '../support/rp.ts';

/**
 * Review finding (src/broker/provider.ts, pairwiseIdentifier): the sector is
 * `client.sectorIdentifier ?? client.clientId`. For a client whose first redirect URI is a
 * private-use (custom) scheme URI such as `com.example.app:/cb` (RFC 8252 §7.1, accepted for
 * `application_type: native`), oidc-provider's sector identifier is `new URL(uri).host`, which is
 * the EMPTY STRING — not undefined — so `??` keeps it. Every such client, of every agency, then
 * shares the sector "" and receives the SAME pairwise `sub` for a citizen: services can correlate
 * citizens by `sub`, which pairwise subjects exist to prevent (OIDC Core §8.1, §17.3).
 *
 * Fix: use `client.sectorIdentifier || client.clientId` (or refuse custom-scheme redirect URIs
 * without a `sector_identifier_uri`).
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', scope: 'openid' };

describe('pairwise sub for native clients (private-use scheme and loopback redirect URIs)', () => {
  const iat = randomBytes(32).toString('base64url');
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_INITIAL_ACCESS_TOKEN: iat });
  });
  after(async () => {
    await hub?.close();
  });

  async function registerNative(redirectUri: string): Promise<TestRp> {
    const key = await newKey();
    const { client_id: _ignored, ...metadata } = TestRp.metadata(
      {},
      key,
      'ignored',
      'https://unused.example/cb',
    );
    const res = await fetch(`${hub.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${iat}` },
      body: JSON.stringify({
        ...metadata,
        application_type: 'native',
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [],
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 201, JSON.stringify(body));
    // Self-registered clients wait for an operator's approval.
    assert.equal(await hub.ctx.clients.approve(String(body['client_id'])), true);
    return new TestRp(hub, String(body['client_id']), redirectUri, key, await newKey());
  }

  test('two unrelated apps get different subs for the same citizen', async () => {
    const appA = await registerNative('uk.gov.agency-a.app:/callback');
    const appB = await registerNative('sg.gov.agency-b.app:/callback');
    const a = await appA.login({ params: SG });
    const b = await appB.login({ params: SG });
    assert.notEqual(
      a.claims['sub'],
      b.claims['sub'],
      'two different relying parties received the same pairwise sub (shared empty sector identifier)',
    );
  });

  // Same class, different trigger: every native app using loopback redirection (RFC 8252 §7.3) has
  // the sector "127.0.0.1" (or "localhost"). By the letter of OIDC Core §8.1 that is the sector, but
  // it breaks the hub's promise that two services cannot correlate a citizen by sub. A native
  // client should need a sector_identifier_uri, or get a per-client sector.
  test('two unrelated loopback native apps get different subs for the same citizen', async () => {
    const appA = await registerNative('http://127.0.0.1/agency-a/callback');
    const appB = await registerNative('http://127.0.0.1/agency-b/callback');
    const a = await appA.login({ params: SG });
    const b = await appB.login({ params: SG });
    assert.notEqual(a.claims['sub'], b.claims['sub'], 'loopback native clients share the sector "127.0.0.1"');
  });
});
