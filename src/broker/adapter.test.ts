import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import {
  type ArtefactRow,
  createAdapterFactory,
  pendingRow,
  sweepExpired,
  writeArtefactRows,
} from './adapter.ts';
import { ClientRegistry } from './client-registry.ts';

async function setup() {
  const s = await openTestStorage();
  const clients = new ClientRegistry({
    storage: s,
    knownAttributes: ['name', 'birthdate'],
    hubLevels: ['urn:govbridge:loa:low', 'urn:govbridge:loa:substantial'],
    environments: ['uk-public-cloud', 'sg-gcc'],
    allowLoopbackHttpRedirects: false,
  });
  return { s, Adapter: createAdapterFactory(s, clients), clients };
}

test(`oidc adapter (${testDialect()}): upsert, find, consume, destroy, indexes`, async () => {
  const { s, Adapter } = await setup();
  try {
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', accountId: 'a' }, 60);
    assert.equal((await codes.find('c1'))?.accountId, 'a');
    assert.equal((await codes.find('c1'))?.consumed, undefined);
    await codes.consume('c1');
    assert.equal(typeof (await codes.find('c1'))?.consumed, 'number');
    // Models are separate namespaces.
    assert.equal(await new Adapter('AccessToken').find('c1'), undefined);

    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    assert.equal((await sessions.findByUid('u1'))?.accountId, 'a');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'b' }, 60);
    assert.equal((await sessions.find('s1'))?.accountId, 'b');
    await sessions.destroy('s1');
    assert.equal(await sessions.find('s1'), undefined);

    const tokens = new Adapter('AccessToken');
    await tokens.upsert('t1', { grantId: 'g1' }, 60);
    await codes.revokeByGrantId('g1');
    assert.equal(await tokens.find('t1'), undefined);
    assert.equal(await codes.find('c1'), undefined);
  } finally {
    await s.close();
  }
});

test(`oidc adapter (${testDialect()}): expired artefacts are never returned and are swept`, async () => {
  const { s, Adapter } = await setup();
  try {
    const a = new Adapter('Interaction');
    await a.upsert('i1', { uid: 'x' }, 1);
    await s.db
      .updateTable('oidc_artefacts')
      .set({ expires_at: Date.now() - 1 })
      .execute();
    assert.equal(await a.find('i1'), undefined);
    assert.ok((await sweepExpired(s)) >= 1);
    assert.equal((await s.db.selectFrom('oidc_artefacts').selectAll().execute()).length, 0);
  } finally {
    await s.close();
  }
});

test(`oidc adapter (${testDialect()}): a replay record goes in once; a live one refuses, an expired one is replaced`, async () => {
  const { s, Adapter } = await setup();
  try {
    const replays = new Adapter('ReplayDetection');
    await replays.upsert('jti-1', { iss: 'svc-1', jti: 'jti-1' }, 60);
    assert.equal((await replays.find('jti-1'))?.['iss'], 'svc-1');
    // Outside a request the refusal is oidc-provider's for a client assertion used twice.
    await assert.rejects(replays.upsert('jti-1', { iss: 'svc-1', jti: 'jti-1' }, 60), (err: unknown) => {
      const e = err as { error?: string; status?: number; error_detail?: string };
      assert.equal(e.error, 'invalid_client');
      assert.equal(e.status, 401);
      assert.match(String(e.error_detail), /only be used once/);
      return true;
    });
    // Past its expiry (not yet swept) the record no longer blocks: it is replaced.
    await s.db
      .updateTable('oidc_artefacts')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', 'jti-1')
      .execute();
    await replays.upsert('jti-1', { iss: 'svc-1', jti: 'jti-1' }, 60);
    assert.ok(await replays.find('jti-1'));
  } finally {
    await s.close();
  }
});

test(`oidc adapter (${testDialect()}): rows written together — artefact, replay records, consumption, tombstone`, async () => {
  const { s, Adapter } = await setup();
  const row = (
    model: string,
    id: string,
    payload: Record<string, unknown>,
    grant: string | null = null,
  ): ArtefactRow => ({
    model,
    id,
    payload: JSON.stringify(payload),
    grant_id: grant,
    user_code: null,
    uid: typeof payload['uid'] === 'string' ? payload['uid'] : null,
    expires_at: Date.now() + 60_000,
    consumed_at: null,
  });
  try {
    const codes = new Adapter('AuthorizationCode');
    const interactions = new Adapter('Interaction');
    const tokens = new Adapter('AccessToken');
    await codes.upsert('code-1', { grantId: 'g1', accountId: 'a' }, 60);
    await interactions.upsert('int-1', { uid: 'int-1', params: {} }, 60);

    // One statement: a token, two replay records, the code's consumption, the interaction's end.
    const refused = await writeArtefactRows(s, [
      { kind: 'upsert', row: row('AccessToken', 'at-1', { grantId: 'g1' }, 'g1') },
      { kind: 'replay', row: row('ReplayDetection', 'r-1', { iss: 'svc-1' }) },
      { kind: 'replay', row: row('ReplayDetection', 'r-2', { iss: 'svc-1' }) },
      pendingRow('consume', 'AuthorizationCode', 'code-1'),
      pendingRow('destroy', 'Interaction', 'int-1'),
    ]);
    assert.deepEqual(refused, []);
    assert.equal((await tokens.find('at-1'))?.['grantId'], 'g1');
    const code = await codes.find('code-1');
    assert.equal(code?.accountId, 'a', 'a consumption keeps the payload');
    assert.equal(typeof code?.consumed, 'number');
    assert.equal(await interactions.find('int-1'), undefined, 'the destroyed interaction is never returned');
    assert.equal(await interactions.findByUid('int-1'), undefined);

    // The same again: the replay records and the consumption are refused; the tombstone is not.
    const again = await writeArtefactRows(s, [
      { kind: 'upsert', row: row('AccessToken', 'at-2', { grantId: 'g1' }, 'g1') },
      { kind: 'replay', row: row('ReplayDetection', 'r-1', { iss: 'svc-1' }) },
      pendingRow('consume', 'AuthorizationCode', 'code-1'),
      pendingRow('destroy', 'Interaction', 'int-1'),
    ]);
    assert.deepEqual(
      again.map((r) => [r.kind, r.row.id]),
      [
        ['replay', 'r-1'],
        ['consume', 'code-1'],
      ],
    );
    // A consumption of a row already gone leaves only an expired placeholder, never returned.
    assert.deepEqual(await writeArtefactRows(s, [pendingRow('consume', 'AuthorizationCode', 'gone')]), []);
    assert.equal(await codes.find('gone'), undefined);
    // Tombstones and placeholders are swept like any expired row.
    assert.ok((await sweepExpired(s)) >= 2);
    assert.equal(
      (await s.db.selectFrom('oidc_artefacts').select('id').where('payload', '=', '').execute()).length,
      0,
    );
  } finally {
    await s.close();
  }
});

test(`client registry (${testDialect()}): validates govbridge metadata on both paths`, async () => {
  const { s, clients, Adapter } = await setup();
  try {
    const base = {
      client_id: 'svc-1',
      client_name: 'Service One',
      redirect_uris: ['https://svc.example/cb'],
      govbridge_country: 'GB',
      govbridge_agency: 'HMRC (demo)',
      govbridge_purpose: 'To apply',
      govbridge_attributes: ['name'],
      govbridge_min_acr: 'urn:govbridge:loa:substantial',
      govbridge_environment: 'uk-public-cloud',
    };
    const info = await clients.register(base);
    assert.equal(info.country, 'GB');
    assert.equal(info.environment, 'uk-public-cloud');
    assert.equal(info.securityProfile, 'fapi2');
    assert.equal((await new Adapter('Client').find('svc-1'))?.['client_name'], 'Service One');
    await assert.rejects(
      clients.register({ ...base, govbridge_country: 'FR' }),
      /govbridge_country must be GB or SG/,
    );
    await assert.rejects(clients.register({ ...base, govbridge_attributes: ['nric'] }), /common claim set/);
    await assert.rejects(clients.register({ ...base, govbridge_min_acr: 'loa:2' }), /must be one of/);
    await assert.rejects(clients.register({ ...base, client_id: 'a b' }), /client_id must be/);
    // Every relying party names its hosting environment, one the registry knows.
    await assert.rejects(
      clients.register({ ...base, govbridge_environment: undefined }),
      /govbridge_environment is required: name the hosting environment .* one of uk-public-cloud, sg-gcc/,
    );
    await assert.rejects(
      clients.register({ ...base, govbridge_environment: 'on-a-laptop' }),
      /govbridge_environment names an unknown hosting environment "on-a-laptop": use one of uk-public-cloud, sg-gcc/,
    );
    assert.match(
      clients.validateField('govbridge_environment', undefined) ?? '',
      /^govbridge_environment is required/,
    );
    assert.equal(
      clients.validateField('govbridge_purpose', ''),
      'govbridge_purpose must state the purpose shown to the citizen',
    );
    assert.equal(clients.validateField('govbridge_purpose', 'ok'), undefined);
    assert.equal((await clients.list()).length, 1);
  } finally {
    await s.close();
  }
});
