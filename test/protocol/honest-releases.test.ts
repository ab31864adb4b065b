import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * What the hub records as released (the release row, the transparency ledger, and so "Who has
 * received your information") is exactly what the relying party received: the set of personal
 * claims in its ID token and at userinfo, for attributes asked by scope, by the `claims` parameter
 * (OIDC Core §5.5), and both.
 */
const PROTOCOL_CLAIMS = new Set([
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'nonce',
  'acr',
  'amr',
  'auth_time',
  'sid',
  'at_hash',
  'c_hash',
  's_hash',
  'azp',
  'jti',
  'govbridge_withheld',
  'verified_claims',
]);

function personalClaims(...sets: Record<string, unknown>[]): string[] {
  const names = new Set<string>();
  for (const s of sets) for (const k of Object.keys(s)) if (!PROTOCOL_CLAIMS.has(k)) names.add(k);
  return [...names].sort();
}

describe(`what is recorded as released is what the service received (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    hub = await startTestHub({ LOG_LEVEL: 'silent' });
    rp = await TestRp.register(hub, { country: 'GB' });
  });
  after(async () => {
    await hub?.close();
  });

  async function check(params: Record<string, string>, expected: string[], client: TestRp = rp) {
    const r = await client.login({
      params: { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', ...params },
    });
    const userinfo = await client.userinfo(r.accessToken);
    assert.equal(userinfo.status, 200, userinfo.text);
    const received = personalClaims(r.claims as Record<string, unknown>, userinfo.body);
    assert.deepEqual(received, [...expected].sort(), 'the service received what it asked for');

    const row = await hub.ctx.storage.db
      .selectFrom('releases')
      .select(['release_id', 'attributes', 'account_id'])
      .where('client_id', '=', client.clientId)
      .orderBy('released_at', 'desc')
      .executeTakeFirstOrThrow();
    const recorded = (JSON.parse(row.attributes) as string[]).slice().sort();
    assert.deepEqual(recorded, received, 'the release record names exactly what was received');

    const entries = await hub.ctx.ledger.entriesForAccount(row.account_id);
    const logged = entries.find((e) => e.entry.releaseId === row.release_id);
    assert.ok(logged, 'the release is in the ledger');
    assert.deepEqual([...logged.entry.released], received, 'the ledger names exactly what was received');
  }

  test('by scope', async () => {
    await check({ scope: 'openid email' }, ['email']);
  });

  test('by the claims parameter only (userinfo and id_token members)', async () => {
    await check(
      {
        scope: 'openid',
        claims: JSON.stringify({ userinfo: { name: null }, id_token: { birthdate: { essential: true } } }),
      },
      ['name', 'birthdate'],
    );
  });

  test('by scope and the claims parameter together', async () => {
    await check({ scope: 'openid email', claims: JSON.stringify({ userinfo: { nationalities: null } }) }, [
      'email',
      'nationalities',
    ]);
  });

  test('a claim no scope carries, asked by name, is supported and released (and recorded)', async () => {
    const SG_STATUS = 'urn:govbridge:claims:sg_residential_status';
    const discovery = (await (await fetch(`${hub.url}/.well-known/openid-configuration`)).json()) as {
      claims_supported: string[];
    };
    assert.ok(discovery.claims_supported.includes(SG_STATUS), 'listed in claims_supported');
    const sg = await TestRp.register(hub, { country: 'SG', attributes: ['name', SG_STATUS] });
    await check(
      { scope: 'openid', claims: JSON.stringify({ userinfo: { [SG_STATUS]: null } }) },
      [SG_STATUS],
      sg,
    );
  });
});
