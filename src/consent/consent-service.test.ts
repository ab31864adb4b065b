import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { ConsentService } from './consent-service.ts';

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
    assert.equal(await c.withdraw('someone-else', g.consentId), false);
    assert.equal(await c.withdraw('acc-1', g.consentId), true);
    assert.equal(await c.withdraw('acc-1', g.consentId), false);
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
