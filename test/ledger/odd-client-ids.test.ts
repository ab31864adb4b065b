import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { listProblems } from '../../src/ledger/index.ts';
import { createLogger } from '../../src/web/index.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { newKey, readResult, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { cli } from './support.ts';

/**
 * Odd but legal client ids (issue "Odd but legal input — Client ids"). oidc-provider's default id
 * generator (nanoid) gave Dynamic Client Registration ids that begin with `_` or `-` about 3% of the
 * time; the ledger refused them, so the service's first login failed after its release row was
 * written, and the next start-up stopped on that row. Here: such ids (as an older version minted
 * them) go registration → approval on the CLI → first login → consent page → release → ledger; the
 * hub now mints ids beginning with a letter or digit; and a database holding a release no version of
 * the ledger could take does not stop start-up: the row is flagged for the operator and the hub serves.
 */
const SG = { idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };
const ADMIN_TOKEN = randomBytes(24).toString('hex');

describe(`client ids beginning with _ or - (${testDialect()})`, () => {
  const iat = randomBytes(32).toString('base64url');
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_INITIAL_ACCESS_TOKEN: iat, LOG_LEVEL: 'silent' });
  });
  after(async () => {
    await hub?.close();
  });

  /** Register as Dynamic Client Registration of an older version did: pending, with the id it minted. */
  async function registerAsOlderVersion(clientId: string): Promise<TestRp> {
    const key = await newKey();
    const redirectUri = `https://odd-${randomBytes(4).toString('hex')}.rp.example/callback`;
    await hub.ctx.clients.upsertFromProvider(
      clientId,
      TestRp.metadata(
        { attributes: ['name', 'birthdate'] },
        key,
        clientId,
        redirectUri,
      ) as unknown as Parameters<typeof hub.ctx.clients.upsertFromProvider>[1],
    );
    assert.equal((await hub.ctx.clients.get(clientId))?.status, 'pending');
    return new TestRp(hub, clientId, redirectUri, key, await newKey());
  }

  /** First login through the consent page; the release and its ledger entry name the client. */
  async function firstLogin(rp: TestRp): Promise<void> {
    const first = await rp.authorize({ params: { ...SG, scope: 'openid profile' }, decision: 'stop' });
    assert.match(first.response.url, /\/consent$/, first.browser.visited.join('\n'));
    assert.match(first.response.html, /Share your details with/);
    const agreed = await rp.submit(first.browser, first.response.url, first.response.html, '/consent', {
      decision: 'agree',
    });
    assert.ok(agreed.code, `${agreed.url}\n${agreed.html.slice(0, 400)}`);
    const tokens = await rp.token(agreed.code, first.pkce.verifier);
    assert.equal(tokens.status, 200, tokens.text);
    const release = await hub.ctx.storage.db
      .selectFrom('releases')
      .select('release_id')
      .where('client_id', '=', rp.clientId)
      .executeTakeFirstOrThrow();
    const entry = await hub.ctx.storage.db
      .selectFrom('ledger_entries')
      .select('leaf')
      .where('release_id', '=', release.release_id)
      .executeTakeFirst();
    assert.ok(entry, 'the release is in the ledger');
    assert.equal((JSON.parse(entry.leaf) as { recipient: { id: string } }).recipient.id, rp.clientId);
  }

  test('a client id beginning with "-": approved with "--" on the CLI, first login, consent, release, ledger', async () => {
    const clientId = `-${randomBytes(15).toString('base64url')}`;
    const rp = await registerAsOlderVersion(clientId);
    // Read as an option: refused with a usage error that says how to pass it.
    const asOption = await cli(['clients', 'approve', clientId], hub.env);
    assert.equal(asOption.code, 2, asOption.stderr);
    assert.match(asOption.stderr, /put "--" before it or use --client-id=-/);
    assert.equal((await hub.ctx.clients.get(clientId))?.status, 'pending');
    const approved = await cli(['clients', 'approve', '--', clientId], hub.env);
    assert.equal(approved.code, 0, approved.stderr);
    assert.equal(approved.stdout.split('\n')[0]?.startsWith(`Approved ${clientId}:`), true, approved.stdout);
    await firstLogin(rp);
  });

  test('a client id beginning with "_": approved with --client-id=, first login, consent, release, ledger', async () => {
    const clientId = `_${randomBytes(15).toString('base64url')}`;
    const rp = await registerAsOlderVersion(clientId);
    const approved = await cli(['clients', 'approve', `--client-id=${clientId}`], hub.env);
    assert.equal(approved.code, 0, approved.stderr);
    await firstLogin(rp);
    // Also "--client-id=-…" for a "-" id, and one id only.
    const two = await cli(['clients', 'approve', `--client-id=${clientId}`, 'other'], hub.env);
    assert.equal(two.code, 2);
  });

  test('Dynamic Client Registration mints ids of the alphabet that begin with a letter or digit', async () => {
    for (let i = 0; i < 5; i++) {
      const key = await newKey();
      const { client_id: _id, ...m } = TestRp.metadata({}, key, 'ignored', 'https://dcr.example/cb');
      const res = await readResult(
        await fetch(`${hub.url}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${iat}` },
          body: JSON.stringify(m),
        }),
      );
      assert.equal(res.status, 201, res.text);
      // 22 characters: 128 random bits (oidc-provider's default was 21 nanoid characters).
      assert.match(String(res.body['client_id']), /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
    }
  });

  test('start-up: a release for a "_" client that an old version left out of the ledger is appended; one that no alphabet allows is flagged, and the hub serves', async () => {
    const odd = `_${randomBytes(15).toString('base64url')}`;
    await registerAsOlderVersion(odd);
    await hub.ctx.clients.approve(odd);
    // A client row with an id outside any alphabet (written by hand, or by some older tool).
    const impossible = 'an impossible id';
    const row = await hub.ctx.storage.db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', odd)
      .executeTakeFirstOrThrow();
    await hub.ctx.storage.db
      .insertInto('clients')
      .values({ ...row, client_id: impossible })
      .execute();
    // Releases as an old version wrote them before its ledger append failed (no ledger entry).
    const release = (clientId: string) => ({
      release_id: randomUUID(),
      account_id: `account-${randomBytes(4).toString('hex')}`,
      client_id: clientId,
      attributes: JSON.stringify(['birthdate']),
      withheld: null,
      decisions: JSON.stringify(['release-within-environment']),
      acr: 'urn:govbridge:loa:low',
      scheme: 'singpass',
      trust_framework_version: '2026-11-27.1',
      consent_id: null,
      grant_id: null,
      released_at: Date.now(),
    });
    const healable = release(odd);
    const unhealable = release(impossible);
    const orphan = release('a-client-since-deleted');
    await hub.ctx.storage.db.insertInto('releases').values([healable, unhealable, orphan]).execute();

    // A second process starts on the same database: it heals what it can and serves.
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    const second = await startTestHub(
      { ...hub.env, PORT: String(await freePort()), GOVBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN },
      { logger: createLogger({ logLevel: 'info' }, sink) },
    );
    try {
      assert.equal((await fetch(`${second.url}/readyz`)).status, 200);
      const ledgered = await second.ctx.storage.db
        .selectFrom('ledger_entries')
        .select('release_id')
        .where('release_id', 'in', [healable.release_id, unhealable.release_id, orphan.release_id])
        .execute();
      assert.deepEqual(
        ledgered.map((r) => r.release_id),
        [healable.release_id],
      );
      const problems = await listProblems(second.ctx.storage);
      const byRef = new Map(problems.map((p) => [p.ref, p]));
      assert.equal(byRef.get(unhealable.release_id)?.kind, 'release_unledgerable');
      assert.match(byRef.get(unhealable.release_id)?.message ?? '', /recipient\.id: identifier/);
      assert.equal(byRef.get(orphan.release_id)?.kind, 'release_client_unknown');
      // One warn line per refused row, with a stable code and no personal data.
      const refused = lines.filter((l) => l['event'] === 'ledger_heal_row_refused');
      assert.equal(refused.length, 2, JSON.stringify(refused));
      for (const l of refused) {
        assert.equal(l['level'], 40);
        assert.doesNotMatch(JSON.stringify(l), /account-|an impossible id/);
      }
      // The operator sees them: the CLI and the operator API.
      const verify = await cli(['ledger', 'verify'], hub.env);
      assert.equal(verify.code, 1, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /: ok — /);
      assert.match(verify.stderr, new RegExp(`Problem release_unledgerable \\(${unhealable.release_id}\\)`));
      assert.match(verify.stderr, new RegExp(`Problem release_client_unknown \\(${orphan.release_id}\\)`));
      const api = await fetch(`${second.url}/admin/api/ledger/problems`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(api.status, 200);
      const body = (await api.json()) as { problems: { kind: string; ref: string }[] };
      assert.deepEqual(
        body.problems
          .filter((p) => p.ref === unhealable.release_id || p.ref === orphan.release_id)
          .map((p) => p.kind)
          .sort(),
        ['release_client_unknown', 'release_unledgerable'],
      );
    } finally {
      // Close without dropping the shared schema (the first hub's close does that).
      delete second.env['GOVBRIDGE_DATABASE_SCHEMA'];
      await second.close();
    }
  });
});
