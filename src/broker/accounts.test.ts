import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { findOrCreateAccount, LAST_LOGIN_PRECISION_MS } from './accounts.ts';

test(`accounts (${testDialect()}): one per (scheme, subject); a returning login writes last_login_at at most hourly`, async () => {
  const s = await openTestStorage();
  try {
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const clock = { now: () => new Date(now), epochSeconds: () => Math.floor(now / 1000) };
    const lastLogin = async (id: string) =>
      Number(
        (
          await s.db
            .selectFrom('accounts')
            .select('last_login_at')
            .where('account_id', '=', id)
            .executeTakeFirstOrThrow()
        ).last_login_at,
      );

    const created = now;
    const a = await findOrCreateAccount(s, 'singpass', 'S1234567A', clock);
    assert.equal(await lastLogin(a), created);
    // Another scheme with the same subject is another account (never linked on its own).
    const b = await findOrCreateAccount(s, 'onelogin', 'S1234567A', clock);
    assert.notEqual(a, b);

    now += LAST_LOGIN_PRECISION_MS - 1;
    assert.equal(await findOrCreateAccount(s, 'singpass', 'S1234567A', clock), a);
    assert.equal(await lastLogin(a), created, 'within the hour: not written again');

    now += 1;
    assert.equal(await findOrCreateAccount(s, 'singpass', 'S1234567A', clock), a);
    assert.equal(await lastLogin(a), now, 'an hour on: refreshed');
    const rows = await s.db.selectFrom('accounts').select('account_id').execute();
    assert.equal(rows.length, 2);
  } finally {
    await s.close();
  }
});
