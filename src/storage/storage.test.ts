import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';

test(`storage (${testDialect()}): migrates, round-trips rows, reports its capabilities`, async () => {
  const s = await openTestStorage();
  try {
    assert.equal(s.capabilities.dialect, testDialect());
    await s.ping();
    await s.db.insertInto('settings').values({ name: 'a', value: '{"x":1}' }).execute();
    const row = await s.db
      .selectFrom('settings')
      .selectAll()
      .where('name', '=', 'a')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.value), { x: 1 });
  } finally {
    await s.close();
  }
});

test(`storage (${testDialect()}): bigint timestamps come back as numbers`, async () => {
  const s = await openTestStorage();
  try {
    const t = Date.UTC(2026, 10, 27, 12, 0, 0);
    await s.db
      .insertInto('accounts')
      .values({
        account_id: 'a1',
        scheme: 'singpass',
        upstream_subject: 'u1',
        created_at: t,
        last_login_at: t,
      })
      .execute();
    const row = await s.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    assert.equal(typeof row.created_at, 'number');
    assert.equal(row.created_at, t);
  } finally {
    await s.close();
  }
});

test(`storage (${testDialect()}): a failed transaction leaves nothing behind`, async () => {
  const s = await openTestStorage();
  try {
    await assert.rejects(
      s.transaction(async (tx) => {
        await tx.insertInto('settings').values({ name: 'b', value: '1' }).execute();
        throw new Error('boom');
      }),
      /boom/,
    );
    const rows = await s.db.selectFrom('settings').selectAll().where('name', '=', 'b').execute();
    assert.equal(rows.length, 0);
  } finally {
    await s.close();
  }
});

test(`storage (${testDialect()}): unique constraints hold`, async () => {
  const s = await openTestStorage();
  try {
    const v = { scheme: 'onelogin', upstream_subject: 'same', created_at: 1, last_login_at: 1 };
    await s.db
      .insertInto('accounts')
      .values({ account_id: 'x1', ...v })
      .execute();
    await assert.rejects(
      s.db
        .insertInto('accounts')
        .values({ account_id: 'x2', ...v })
        .execute(),
    );
  } finally {
    await s.close();
  }
});
