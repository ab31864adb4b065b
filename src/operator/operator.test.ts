import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { openTestStorage } from '../../test/support/storage.ts';
import type { Clock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import { type Actor, AuditTrail } from './audit-trail.ts';
import { OperatorOidc } from './oidc-sign-in.ts';
import { REFUSAL_RETENTION_MS, RefusalLog } from './refusals.ts';
import { OperatorSessions, SIGN_IN_LINK_MS } from './sessions.ts';

const ada: Actor = { subject: 'sub-ada', name: 'Ada', role: 'operator', via: 'oidc' };

class TestClock implements Clock {
  t = Date.UTC(2026, 11, 7, 9, 0, 0);
  now(): Date {
    return new Date(this.t);
  }
  epochSeconds(): number {
    return Math.floor(this.t / 1000);
  }
}

let storage: Storage;
before(async () => {
  storage = await openTestStorage();
});
after(async () => storage.close());

describe('audit trail', () => {
  const { privateKey } = generateKeyPairSync('ed25519');

  test('appends chain, sign and verify; any change to a row is found at that row', async () => {
    const trail = new AuditTrail({ storage, signingKey: privateKey });
    const seen: number[] = [];
    trail.onAppend = (r) => seen.push(r.seq);
    const a = await trail.append(ada, 'client.approve', 'rp-1', { version: 5 });
    const b = await trail.append(ada, 'notification.replay', 'ntf_x', { replayed: 1 });
    const c = await trail.append(ada, 'agency.suspend', 'uk_council');
    assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(await trail.verify(), { ok: true, size: 3, head: { seq: 3, hash: c.hash } });
    assert.deepEqual(
      (await trail.list()).map((r) => r.action),
      ['agency.suspend', 'notification.replay', 'client.approve'],
    );

    // Rewrite what row 2 says (and even recompute its own hash): the chain breaks at 2.
    const row = await storage.db
      .selectFrom('operator_audit')
      .selectAll()
      .where('seq', '=', 2)
      .executeTakeFirstOrThrow();
    const forged = row.record.replace('ntf_x', 'ntf_y');
    await storage.db.updateTable('operator_audit').set({ record: forged }).where('seq', '=', 2).execute();
    const broken = await trail.verify();
    assert.equal(broken.ok, false);
    assert.equal(broken.problem?.seq, 2);
    assert.match(broken.problem!.reason, /hash does not match/);
    await storage.db.updateTable('operator_audit').set({ record: row.record }).where('seq', '=', 2).execute();

    // A row signed by another key (someone with database access but not the hub's key).
    const other = new AuditTrail({ storage, signingKey: generateKeyPairSync('ed25519').privateKey });
    await other.append(ada, 'client.suspend', 'rp-1');
    const foreign = await trail.verify();
    assert.equal(foreign.ok, false);
    assert.equal(foreign.problem?.seq, 4);
    assert.match(foreign.problem!.reason, /signature/);
    await storage.db.deleteFrom('operator_audit').where('seq', '=', 4).execute();

    // Deleting a middle row breaks the sequence.
    await storage.db.deleteFrom('operator_audit').where('seq', '=', 2).execute();
    const gap = await trail.verify();
    assert.equal(gap.ok, false);
    assert.equal(gap.problem?.seq, 3);
    await storage.db.deleteFrom('operator_audit').execute();
  });

  test('concurrent appends from several writers get distinct, dense sequence numbers', async () => {
    const trails = [1, 2, 3].map(() => new AuditTrail({ storage, signingKey: privateKey }));
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => trails[i % 3]!.append(ada, 'client.resume', `rp-${i}`)),
    );
    assert.deepEqual(
      results.map((r) => r.seq).sort((x, y) => x - y),
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
    assert.equal((await trails[0]!.verify()).ok, true);
    await storage.db.deleteFrom('operator_audit').execute();
  });

  test('an action that is not a code is refused before anything is written', async () => {
    const trail = new AuditTrail({ storage, signingKey: privateKey });
    await assert.rejects(trail.append(ada, 'Approve the client', 'rp-1'));
    assert.equal((await trail.verify()).size, 0);
  });
});

describe('operator sessions and sign-in links', () => {
  test('a link works once, within ten minutes; sessions end when revoked or expired', async () => {
    const clock = new TestClock();
    const sessions = new OperatorSessions(storage, clock);
    const { token } = await sessions.createLink('link:Ada', 'Ada', 'operator');
    assert.equal(await sessions.redeemLink('not-a-token'), 'unknown');
    assert.equal(await sessions.redeemLink('A'.repeat(43)), 'unknown');
    const identity = await sessions.redeemLink(token);
    assert.deepEqual(identity, { subject: 'link:Ada', name: 'Ada', role: 'operator', via: 'link' });
    assert.equal(await sessions.redeemLink(token), 'used');

    const late = await sessions.createLink('link:Bo', 'Bo', 'viewer');
    clock.t += SIGN_IN_LINK_MS;
    assert.equal(await sessions.redeemLink(late.token), 'expired');

    if (typeof identity === 'string') throw new Error('unreachable');
    const { sessionId } = await sessions.create(identity);
    assert.equal((await sessions.get(sessionId))?.role, 'operator');
    assert.equal(await sessions.get(`${sessionId.slice(0, -1)}x`), undefined);
    await sessions.revoke(sessionId);
    assert.equal(await sessions.get(sessionId), undefined);
    const second = await sessions.create({ ...identity, role: 'viewer' });
    clock.t += 8 * 3600_000;
    assert.equal(await sessions.get(second.sessionId), undefined, 'eight hours, then sign in again');
    await sessions.sweep();
    const left = await storage.db.selectFrom('operator_sessions').select('subject').execute();
    assert.deepEqual(left, []);
  });

  test('two redemptions racing for one link: exactly one session', async () => {
    const sessions = new OperatorSessions(storage);
    const { token } = await sessions.createLink('link:Cy', 'Cy', 'viewer');
    const results = await Promise.all([sessions.redeemLink(token), sessions.redeemLink(token)]);
    assert.equal(results.filter((r) => typeof r === 'object').length, 1);
  });
});

describe('refused logins for the console', () => {
  test('grouped by code and check, newest first, swept after 30 days', async () => {
    const clock = new TestClock();
    const log = new RefusalLog(storage, clock);
    await log.record('singpass', 'rp-1', 'access_denied', 'citizen_declined');
    clock.t += 1000;
    await log.record('onelogin', 'rp-2', 'unmet_authentication_requirements', 'assurance_identity');
    clock.t += 1000;
    await log.record(undefined, undefined, 'access_denied', 'citizen_declined');
    const s = await log.summary(0);
    assert.deepEqual(
      s.byCode.map((r) => [r.code, r.check, r.count]),
      [
        ['access_denied', 'citizen_declined', 2],
        ['unmet_authentication_requirements', 'assurance_identity', 1],
      ],
    );
    assert.deepEqual(
      s.latest.map((r) => r.clientId),
      [null, 'rp-2', 'rp-1'],
    );
    clock.t += REFUSAL_RETENTION_MS - 1500;
    await log.sweep();
    assert.deepEqual(
      (await log.summary(0)).latest.map((r) => r.clientId),
      [null, 'rp-2'],
    );
  });
});

describe('who may sign in through the operators’ OpenID Provider', () => {
  const oidc = new OperatorOidc({
    issuer: 'https://idp.example/',
    clientId: 'console',
    clientSecret: 'x'.repeat(20),
    redirectUri: 'https://hub.example/admin/sign-in/callback',
    operators: [
      { subject: 'alice', role: 'viewer' },
      { subject: 'bob', role: 'operator' },
    ],
    groupsClaim: 'groups',
    operatorGroup: 'govbridge-operators',
    viewerGroup: 'govbridge-viewers',
    allowHttp: false,
  });
  test('a listed subject gets its role, even when its groups say otherwise', () => {
    assert.equal(oidc.roleOf('alice', { groups: ['govbridge-operators'] }), 'viewer');
    assert.equal(oidc.roleOf('bob', {}), 'operator');
  });
  test('otherwise the groups claim decides; operators before viewers; anyone else is refused', () => {
    assert.equal(oidc.roleOf('carol', { groups: ['govbridge-viewers', 'govbridge-operators'] }), 'operator');
    assert.equal(oidc.roleOf('dan', { groups: 'govbridge-viewers' }), 'viewer');
    assert.equal(oidc.roleOf('eve', { groups: ['staff'] }), undefined);
    assert.equal(oidc.roleOf('eve', { groups: [{ name: 'govbridge-operators' }] }), undefined);
    assert.equal(oidc.roleOf('eve', {}), undefined);
  });
});
