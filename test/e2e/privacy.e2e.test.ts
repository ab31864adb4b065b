import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GovbridgeError } from '../../src/kernel/index.ts';
import { classifiedFieldNames, loadTrustFramework } from '../../src/trust/index.ts';
import { createLogger } from '../../src/web/index.ts';
import { TestBrowser } from '../support/http.ts';
import { startTestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * What the hub writes about a citizen: logs never carry personal data, tokens, codes or keys, even
 * at the most verbose level; every release is recorded with the trust-framework version it used;
 * released claims wait in the database only sealed.
 */
describe(`privacy of logs and records (${testDialect()})`, () => {
  test('a full login at trace level logs no personal data, tokens or codes', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const hub = await startTestHub({}, { logger: createLogger({ logLevel: 'trace' }, sink) });
    try {
      const rp = await TestRp.register(hub, { minAcr: 'urn:govbridge:loa:substantial' });
      const r = await rp.login({
        params: {
          scope: 'openid profile address',
          idp_hint: 'singpass',
          login_hint: 'sg-citizen-mid',
          acr_values: 'urn:govbridge:loa:substantial',
        },
      });
      const info = await rp.userinfo(r.accessToken);
      assert.equal(info.status, 200);
      const name = String(info.body['name']);
      assert.ok(name.length > 3, 'the login released a name');

      // Also a One Login identity through a demo service.
      const b = new TestBrowser();
      const consent = await b.follow(`${hub.url}/demo/sg/sign-in?login_hint=eleanor-whitfield`);
      await b.submit(consent.url, await consent.res.text(), '/consent', { decision: 'agree' });

      const log = lines.join('');
      assert.ok(lines.length > 20, `expected request logs, got ${lines.length} lines`);
      for (const secret of [
        name,
        'S7912345E', // the persona's NRIC (identity_number)
        'Whitfield',
        '1947-03-14',
        r.accessToken,
        r.idToken.slice(0, 40),
        String(r.response.code),
      ]) {
        assert.ok(!log.includes(secret), `log contains ${secret.slice(0, 12)}…`);
      }
      assert.doesNotMatch(log, /eyJ[A-Za-z0-9_-]{20,}/, 'no JWT in the logs');
      assert.doesNotMatch(log, /[?&](code|state|request_uri|login_hint)=/, 'no query strings in the logs');

      const releases = await hub.ctx.storage.db.selectFrom('releases').selectAll().execute();
      assert.ok(releases.length >= 2);
      for (const rel of releases) assert.equal(rel.trust_framework_version, hub.ctx.trust.version);
      const sealed = await hub.ctx.storage.db.selectFrom('grant_claims').selectAll().execute();
      assert.ok(sealed.length >= 1);
      for (const row of sealed)
        assert.ok(!row.claims_sealed.includes(name), 'released claims are sealed at rest');
    } finally {
      await hub.close();
    }
  });

  test('no attribute classified above public reaches a log line, whoever logs it and however deep', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const hub = await startTestHub(
      {},
      {
        logger: createLogger({ logLevel: 'trace' }, sink, {
          classified: classifiedFieldNames(
            loadTrustFramework(fileURLToPath(new URL('../../trust/trust-framework.yaml', import.meta.url))),
          ),
        }),
      },
    );
    try {
      const trust = hub.ctx.trust;
      const classified = classifiedFieldNames(trust);
      // Every claim above rank 0 is covered; the redaction paths come from the trust framework.
      for (const [claim, def] of Object.entries(trust.claims))
        if (def.classification.rank > 0) assert.ok(classified.has(claim), claim);

      const secret = (k: string) => `SECRET-VALUE-OF-${k.replace(/\W/g, '_')}`;
      const values = Object.fromEntries([...classified].map((k) => [k, secret(k)]));
      hub.app.log.info(values, 'top level');
      hub.app.log.info(
        { result: { claims: values, nested: [{ person: { regadd: secret('regadd') } }] } },
        'nested',
      );
      hub.app.log.error(
        {
          err: new GovbridgeError('server_error', 'failed', {
            detail: { claims: { birthdate: secret('birthdate') } },
          }),
        },
        'error detail',
      );
      hub.app.log.child({ address: secret('address') }).info('bindings');
      const log = lines.join('');
      assert.match(log, /top level/);
      assert.match(log, /error detail/);
      assert.doesNotMatch(log, /SECRET-VALUE-OF-/, 'a classified value reached the log');
      assert.match(log, /"name":"\[Redacted\]"/);
      assert.match(log, /"urn:govbridge:claims:sg_residential_status":"\[Redacted\]"/);
    } finally {
      await hub.close();
    }
  });
});
