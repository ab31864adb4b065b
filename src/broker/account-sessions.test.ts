import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { ACCOUNT_SESSION_SECONDS, AccountSessionStore } from './account-sessions.ts';
import { findOrCreateAccount } from './accounts.ts';

test(`account sessions (${testDialect()}): live until revoked or expired, only a hash stored, swept`, async () => {
  const s = await openTestStorage();
  try {
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const clock = { now: () => new Date(now), epochSeconds: () => Math.floor(now / 1000) };
    const sessions = new AccountSessionStore(s, clock);
    const accountId = await findOrCreateAccount(s, 'singpass', 'subject-1');

    const a = await sessions.create(accountId);
    const b = await sessions.create(accountId);
    assert.match(a.sessionId, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.sessionId, b.sessionId);
    assert.equal(a.expiresAt, now + ACCOUNT_SESSION_SECONDS * 1000);
    assert.equal(await sessions.account(a.sessionId), accountId);

    // The database holds hashes, never a usable session id.
    const rows = await s.db.selectFrom('account_sessions').selectAll().execute();
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.notEqual(r.session_id_hash, a.sessionId);
      assert.notEqual(r.session_id_hash, b.sessionId);
    }

    // Revoking one ends that one only; revoking twice is harmless.
    await sessions.revoke(a.sessionId);
    await sessions.revoke(a.sessionId);
    assert.equal(await sessions.account(a.sessionId), undefined);
    assert.deepEqual(await sessions.lookup(a.sessionId), { refused: 'revoked' });
    assert.equal(await sessions.account(b.sessionId), accountId);
    assert.deepEqual(await sessions.lookup(b.sessionId), { accountId });
    assert.deepEqual(await sessions.lookup('a'.repeat(43)), { refused: 'unknown' });
    assert.deepEqual(await sessions.lookup('not an id'), { refused: 'malformed' });

    // Unknown, malformed or empty ids name no one.
    for (const bad of ['', 'x', `${b.sessionId}x`, 'a'.repeat(43), "' OR 1=1 --"]) {
      assert.equal(await sessions.account(bad), undefined, bad);
    }

    // A second store (another process) sees the same state.
    assert.equal(await new AccountSessionStore(s, clock).account(b.sessionId), accountId);
    assert.equal(await new AccountSessionStore(s, clock).account(a.sessionId), undefined);

    // Expiry: valid one millisecond before, not at the expiry instant.
    now = b.expiresAt - 1;
    assert.equal(await sessions.account(b.sessionId), accountId);
    now = b.expiresAt;
    assert.equal(await sessions.account(b.sessionId), undefined);
    assert.deepEqual(await sessions.lookup(b.sessionId), { refused: 'expired' });
    assert.equal(await sessions.sweep(), 2);
    assert.equal((await s.db.selectFrom('account_sessions').selectAll().execute()).length, 0);
  } finally {
    await s.close();
  }
});
