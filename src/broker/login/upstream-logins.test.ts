import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../../test/support/storage.ts';
import { isGovbridgeError } from '../../kernel/index.ts';
import { UPSTREAM_TTL_MS, UpstreamLoginStore } from './upstream-logins.ts';

test(`upstream logins (${testDialect()}): a state works once, for its scheme, until it expires; results sealed`, async () => {
  const s = await openTestStorage();
  try {
    let now = Date.UTC(2026, 11, 8, 0, 0, 0);
    const clock = { now: () => new Date(now), epochSeconds: () => Math.floor(now / 1000) };
    const store = new UpstreamLoginStore(s, randomBytes(32), clock);
    const refusedAsState = (e: unknown) => isGovbridgeError(e) && e.detail?.['check'] === 'state';

    await store.save('state-1', 'singpass', 'interaction', 'uid-1', { nonce: 'nonce-value-1' });
    await store.save('state-2', 'singpass', 'interaction', 'uid-1', { nonce: 'nonce-value-2' });
    assert.equal(await store.startsFor('uid-1'), 2);
    assert.equal(await store.startsFor('uid-2'), 0);
    assert.deepEqual(await store.owner('state-1', 'singpass'), {
      purpose: 'interaction',
      interactionUid: 'uid-1',
    });
    assert.equal(await store.owner('state-1', 'onelogin'), undefined);

    // Looking does not use it up; the wrong scheme never finds it.
    assert.equal((await store.pending('state-1', 'singpass')).interactionUid, 'uid-1');
    await assert.rejects(store.pending('state-1', 'onelogin'), refusedAsState);
    await assert.rejects(store.claim('state-1', 'onelogin'), refusedAsState);

    const claimed = await store.claim<{ nonce: string }>('state-1', 'singpass');
    assert.deepEqual(claimed.transaction, { nonce: 'nonce-value-1' });
    assert.equal(claimed.createdAt, now);
    // Used: a replay is refused, whether looked up or claimed again.
    await assert.rejects(store.claim('state-1', 'singpass'), refusedAsState);
    await assert.rejects(store.pending('state-1', 'singpass'), refusedAsState);

    // Stored only sealed, and only the state's hash.
    const rows = await s.db.selectFrom('upstream_logins').selectAll().execute();
    assert.ok(
      rows.every(
        (r) =>
          !r.state_hash.includes('state-') &&
          !r.transaction_sealed.includes('nonce-value') &&
          !r.transaction_sealed.includes('"nonce"'),
      ),
    );

    assert.equal(await store.waitingResult('uid-1'), undefined);
    await store.keepResult(claimed.stateHash, { accountId: 'a-1' });
    assert.deepEqual(await store.waitingResult('uid-1'), { accountId: 'a-1' });

    // Expired: refused.
    now += UPSTREAM_TTL_MS;
    await assert.rejects(store.claim('state-2', 'singpass'), refusedAsState);
  } finally {
    await s.close();
  }
});
