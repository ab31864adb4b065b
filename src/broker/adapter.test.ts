import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { createAdapterFactory, sweepExpired } from './adapter.ts';
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
