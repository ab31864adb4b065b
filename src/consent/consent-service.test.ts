import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { ConsentService, type WithdrawalStep } from './consent-service.ts';
import { ConsentEvents, type ConsentWithdrawn } from './events.ts';

async function withAccount() {
  const s = await openTestStorage();
  await s.db
    .insertInto('accounts')
    .values({
      account_id: 'acc-1',
      scheme: 'singpass',
      upstream_subject: 'u-1',
      created_at: 1,
      last_login_at: 1,
    })
    .execute();
  return s;
}

test(`consent (${testDialect()}): covers only the same purpose and a superset of attributes`, async () => {
  const s = await withAccount();
  try {
    const c = new ConsentService(s);
    await c.grant({
      accountId: 'acc-1',
      clientId: 'svc',
      attributes: ['name', 'birthdate'],
      purpose: 'Apply for X',
      trustFrameworkVersion: 'v1',
    });
    assert.ok(await c.findCovering('acc-1', 'svc', ['name'], 'Apply for X'));
    assert.ok(await c.findCovering('acc-1', 'svc', ['name', 'birthdate'], 'Apply for X'));
    assert.equal(await c.findCovering('acc-1', 'svc', ['name', 'address'], 'Apply for X'), undefined);
    assert.equal(await c.findCovering('acc-1', 'svc', ['name'], 'Another purpose'), undefined);
    assert.equal(await c.findCovering('acc-1', 'other', ['name'], 'Apply for X'), undefined);
  } finally {
    await s.close();
  }
});

test(`consent (${testDialect()}): withdrawn consent no longer covers; only the owner can withdraw`, async () => {
  const s = await withAccount();
  try {
    const c = new ConsentService(s);
    const g = await c.grant({
      accountId: 'acc-1',
      clientId: 'svc',
      attributes: ['name'],
      purpose: 'P',
      trustFrameworkVersion: 'v1',
    });
    assert.equal(await c.withdraw('someone-else', g.consentId), undefined);
    const w = await c.withdraw('acc-1', g.consentId);
    assert.equal(w?.type, 'consent.withdrawn');
    assert.equal(w?.clientId, 'svc');
    assert.deepEqual(w?.attributes, ['name']);
    assert.equal(await c.withdraw('acc-1', g.consentId), undefined);
    assert.equal(await c.findCovering('acc-1', 'svc', ['name'], 'P'), undefined);
    const all = await c.list('acc-1');
    assert.equal(all.length, 1);
    assert.ok(all[0]!.withdrawnAt instanceof Date);
  } finally {
    await s.close();
  }
});

test(`consent (${testDialect()}): a new consent replaces the active one`, async () => {
  const s = await withAccount();
  try {
    const c = new ConsentService(s);
    const base = { accountId: 'acc-1', clientId: 'svc', purpose: 'P', trustFrameworkVersion: 'v1' };
    await c.grant({ ...base, attributes: ['name'] });
    await c.grant({ ...base, attributes: ['name', 'address'] });
    const all = await c.list('acc-1');
    assert.equal(all.length, 2);
    assert.equal(all.filter((x) => x.withdrawnAt === null).length, 1);
  } finally {
    await s.close();
  }
});

const base = { accountId: 'acc-1', clientId: 'svc', purpose: 'P', trustFrameworkVersion: 'v1' };

/** A durable step that writes a row in the withdrawal's transaction (a stand-in for a module's own). */
const writesMarker: WithdrawalStep = {
  name: 'write marker',
  run: (tx, w) =>
    tx
      .insertInto('settings')
      .values({ name: `marker:${w.consentId}`, value: w.clientId })
      .execute(),
};

async function marker(s: Awaited<ReturnType<typeof withAccount>>, consentId: string) {
  return s.db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', `marker:${consentId}`)
    .executeTakeFirst();
}

test(`consent (${testDialect()}): a withdrawal whose later step fails commits nothing and publishes nothing`, async () => {
  const s = await withAccount();
  try {
    const published: ConsentWithdrawn[] = [];
    const events = new ConsentEvents();
    events.on('consent.withdrawn', 'test', (e) => {
      published.push(e);
    });
    const failing: WithdrawalStep = {
      name: 'fails',
      run: async () => {
        throw new Error('injected failure after the consent row and the first step were written');
      },
    };
    const broken = new ConsentService(s, { withdrawalSteps: [writesMarker, failing], events });
    const g = await broken.grant({ ...base, attributes: ['name'] });
    await assert.rejects(broken.withdraw('acc-1', g.consentId), /injected failure/);
    // Nothing of it was committed: the consent still covers, the first step's write is gone.
    assert.ok(await broken.findCovering('acc-1', 'svc', ['name'], 'P'));
    assert.equal((await broken.list('acc-1'))[0]!.withdrawnAt, null);
    assert.equal(await marker(s, g.consentId), undefined);
    assert.equal(published.length, 0);

    // Withdrawing again (the citizen retries) does the whole of it, once.
    const fixed = new ConsentService(s, { withdrawalSteps: [writesMarker], events });
    const w = await fixed.withdraw('acc-1', g.consentId);
    assert.equal(w?.consentId, g.consentId);
    assert.equal((await marker(s, g.consentId))?.value, 'svc');
    assert.equal(await fixed.findCovering('acc-1', 'svc', ['name'], 'P'), undefined);
    assert.deepEqual(
      published.map((e) => [e.type, e.consentId, e.accountId, e.clientId]),
      [['consent.withdrawn', g.consentId, 'acc-1', 'svc']],
    );
  } finally {
    await s.close();
  }
});

test(`consent (${testDialect()}): two withdrawals racing run the steps and publish once`, async () => {
  const s = await withAccount();
  try {
    let published = 0;
    let ran = 0;
    const events = new ConsentEvents();
    events.on('consent.withdrawn', 'count', () => {
      published++;
    });
    const counting: WithdrawalStep = { name: 'count', run: async () => ran++ };
    const c = new ConsentService(s, { withdrawalSteps: [counting], events });
    const g = await c.grant({ ...base, attributes: ['name'] });
    const results = await Promise.all([c.withdraw('acc-1', g.consentId), c.withdraw('acc-1', g.consentId)]);
    assert.equal(results.filter((r) => r !== undefined).length, 1);
    assert.equal(ran, 1);
    assert.equal(published, 1);
  } finally {
    await s.close();
  }
});

test(`consent (${testDialect()}): a failing subscriber is reported and undoes nothing`, async () => {
  const s = await withAccount();
  try {
    const reported: string[] = [];
    const seen: string[] = [];
    const events = new ConsentEvents((err, event, subscriber) =>
      reported.push(`${subscriber}:${event.type}:${(err as Error).message}`),
    );
    events.on('consent.withdrawn', 'first', async () => {
      throw new Error('cache unreachable');
    });
    const off = events.on('consent.withdrawn', 'second', (e) => {
      seen.push(e.consentId);
    });
    const c = new ConsentService(s, { withdrawalSteps: [writesMarker], events });
    const g = await c.grant({ ...base, attributes: ['name'] });
    assert.ok(await c.withdraw('acc-1', g.consentId));
    assert.deepEqual(reported, ['first:consent.withdrawn:cache unreachable']);
    assert.deepEqual(seen, [g.consentId]);
    assert.ok((await c.list('acc-1'))[0]!.withdrawnAt instanceof Date);
    assert.equal((await marker(s, g.consentId))?.value, 'svc');
    // Unsubscribed: the next withdrawal is not seen.
    off();
    const g2 = await c.grant({ ...base, attributes: ['address'] });
    assert.ok(await c.withdraw('acc-1', g2.consentId));
    assert.deepEqual(seen, [g.consentId]);
  } finally {
    await s.close();
  }
});
