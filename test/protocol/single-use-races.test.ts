import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Single use under concurrency. The adapter writes a request's replay records (client assertion
 * and DPoP `jti`) and the consumption of its code in the same INSERT as the token it issues
 * (src/broker/adapter.ts): whichever of two racing requests comes second — whether it sees the
 * first one's rows when it reads, or only when it writes — is refused, and a code used twice
 * revokes what it gave.
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };
const ROUNDS = 3;

describe(`single-use artefacts under concurrent requests (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    hub = await startTestHub();
    rp = await TestRp.register(hub);
  });
  after(async () => {
    await hub?.close();
  });

  test('one code, two token requests at once (each with its own proofs): one token, then revoked', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await rp.authorize({ params: SG });
      const code = a.response.code!;
      assert.ok(code, a.response.url);
      const results = await Promise.all([rp.token(code, a.pkce.verifier), rp.token(code, a.pkce.verifier)]);
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.text}`).join(' | '));
      const refused = results.find((r) => r.status !== 200)!;
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.body['error'], 'invalid_grant');
      // A code used twice: the token it gave is revoked (RFC 6749 §4.1.2).
      const userinfo = await rp.userinfo(String(ok[0]!.body['access_token']));
      assert.equal(userinfo.status, 401, userinfo.text);
    }
  });

  test('one token request sent twice at once (same assertion, same DPoP proof): one token', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const a = await rp.authorize({ params: SG });
      const code = a.response.code!;
      const assertion = await rp.clientAssertion();
      const proof = await rp.dpopProof('POST', rp.endpoint('/token'));
      const send = () =>
        fetch(rp.endpoint('/token'), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            redirect_uri: rp.redirectUri,
            code_verifier: a.pkce.verifier,
            client_id: rp.clientId,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }).toString(),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
      const results = await Promise.all([send(), send()]);
      const ok = results.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, JSON.stringify(results));
      const refused = results.find((r) => r.status !== 200)!;
      // Refused at client authentication (the assertion's jti) or, when the first request had
      // already consumed the code by the time the second read it, as a code used twice.
      assert.ok(
        (refused.status === 401 && refused.body['error'] === 'invalid_client') ||
          (refused.status === 400 && refused.body['error'] === 'invalid_grant'),
        JSON.stringify(refused),
      );
    }
  });

  test('one client assertion at PAR twice, one after the other and at once: one request_uri each time', async () => {
    const push = (assertion: string) =>
      fetch(rp.endpoint('/par'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...rp.authorizationParams(TestRp.pkce(), SG),
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }).toString(),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

    const requestObjects = async () =>
      (
        await hub.ctx.storage.db
          .selectFrom('oidc_artefacts')
          .select('id')
          .where('model', '=', 'PushedAuthorizationRequest')
          .execute()
      ).length;
    const before = await requestObjects();
    const assertion = await rp.clientAssertion();
    const first = await push(assertion);
    assert.equal(first.status, 201, JSON.stringify(first));
    const second = await push(assertion);
    assert.equal(second.status, 401, JSON.stringify(second));
    assert.equal(second.body['error'], 'invalid_client');

    for (let round = 0; round < ROUNDS; round++) {
      const same = await rp.clientAssertion();
      const results = await Promise.all([push(same), push(same)]);
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 401], JSON.stringify(results));
    }
    // Nothing a refused push wrote is left: one request object per accepted push.
    assert.equal((await requestObjects()) - before, 1 + ROUNDS);
  });
});
