import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pino from 'pino';
import { LIFE_EVENTS_CLIENT_ID, LIFE_EVENTS_PURPOSE } from '../../src/life-events/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Withdrawing a consent is ONE operation (src/consent, ADR 20), as the hub wires it
 * (src/app/context.ts): the consent marked withdrawn, the grants and tokens given under it revoked,
 * the verified details kept under the life-events consent removed — one transaction on either
 * database — then one `consent.withdrawn` for the log line and the metric. A failure in a later
 * step (injected by a trigger that makes the database refuse it) leaves nothing done.
 */

/** Make the database refuse `op` on `table`, as a crash or an outage in the middle would. */
async function refuse(
  storage: Storage,
  table: string,
  op: 'DELETE' | 'UPDATE',
): Promise<() => Promise<void>> {
  const name = `refuse_${table}_${op.toLowerCase()}`;
  if (testDialect() === 'sqlite') {
    await sql
      .raw(
        `CREATE TRIGGER ${name} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
      )
      .execute(storage.db);
    return async () => {
      await sql.raw(`DROP TRIGGER ${name}`).execute(storage.db);
    };
  }
  await sql
    .raw(
      `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
    )
    .execute(storage.db);
  await sql
    .raw(`CREATE TRIGGER ${name} BEFORE ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`)
    .execute(storage.db);
  return async () => {
    await sql.raw(`DROP TRIGGER ${name} ON ${table}`).execute(storage.db);
    await sql.raw(`DROP FUNCTION ${name}()`).execute(storage.db);
  };
}

describe(`consent withdrawal as one operation (${testDialect()})`, () => {
  let hub: TestHub;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        done();
      },
    });
    hub = await startTestHub({ GOVBRIDGE_METRICS_PORT: '0' }, { logger: pino({ level: 'info' }, sink) });
  });
  after(async () => {
    await hub?.close();
  });

  async function signedIn(rp: TestRp) {
    const login = await rp.login({
      params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    const release = await hub.ctx.storage.db
      .selectFrom('releases')
      .select(['account_id', 'consent_id', 'grant_id'])
      .where('client_id', '=', rp.clientId)
      .where('consent_id', 'is not', null)
      .executeTakeFirstOrThrow();
    return {
      accessToken: login.accessToken,
      ...release,
      consentId: release.consent_id!,
      grantId: release.grant_id!,
    };
  }

  async function grantRows(grantId: string) {
    const db = hub.ctx.storage.db;
    const artefacts = await db
      .selectFrom('oidc_artefacts')
      .select(['model'])
      .where((eb) =>
        eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]),
      )
      .execute();
    const claims = await db
      .selectFrom('grant_claims')
      .select('grant_id')
      .where('grant_id', '=', grantId)
      .execute();
    return { artefacts: artefacts.length, claims: claims.length };
  }

  async function withdrawnAt(consentId: string) {
    const row = await hub.ctx.storage.db
      .selectFrom('consents')
      .select('withdrawn_at')
      .where('consent_id', '=', consentId)
      .executeTakeFirstOrThrow();
    return row.withdrawn_at;
  }

  test('a failure while revoking the tokens leaves the consent, the grant and its tokens as they were', async () => {
    const rp = await TestRp.register(hub, { country: 'GB' });
    const s = await signedIn(rp);
    const before = await grantRows(s.grantId);
    assert.ok(before.artefacts >= 2, 'the grant and its access token are rows of the hub database');
    assert.equal(before.claims, 1);
    const logged = lines.length;

    // The consent row is updated and the artefacts deleted before grant_claims: refuse that last delete.
    const allow = await refuse(hub.ctx.storage, 'grant_claims', 'DELETE');
    try {
      await assert.rejects(hub.ctx.consents.withdraw(s.account_id, s.consentId), /injected failure/);
    } finally {
      await allow();
    }
    assert.equal(await withdrawnAt(s.consentId), null, 'the consent is still active');
    assert.deepEqual(await grantRows(s.grantId), before, 'no artefact was deleted');
    assert.equal(
      (await rp.userinfo(s.accessToken)).status,
      200,
      'the token still works: nothing was withdrawn',
    );
    assert.equal(
      lines.slice(logged).filter((l) => l['event'] === 'consent_withdrawn').length,
      0,
      'no event for a withdrawal that did not happen',
    );

    // The citizen tries again: all of it, once.
    const done = await hub.ctx.consents.withdraw(s.account_id, s.consentId);
    assert.equal(done?.clientId, rp.clientId);
    assert.notEqual(await withdrawnAt(s.consentId), null);
    assert.deepEqual(await grantRows(s.grantId), { artefacts: 0, claims: 0 });
    const info = await rp.userinfo(s.accessToken);
    assert.notEqual(info.status, 200, `userinfo still answers after withdrawal: ${info.text}`);
    const events = lines.slice(logged).filter((l) => l['event'] === 'consent_withdrawn');
    assert.equal(events.length, 1);
    assert.equal(events[0]!['consentId'], s.consentId);
    assert.equal(events[0]!['clientId'], rp.clientId);
    assert.equal(events[0]!['accountId'], undefined, 'the log line names no account');
  });

  test('the life-events consent: a failure removing the verified details revokes nothing either', async () => {
    const rp = await TestRp.register(hub, { country: 'GB' });
    const s = await signedIn(rp);
    const db = hub.ctx.storage.db;
    const consent = await hub.ctx.consents.grant({
      accountId: s.account_id,
      clientId: LIFE_EVENTS_CLIENT_ID,
      attributes: ['birthdate'],
      purpose: LIFE_EVENTS_PURPOSE,
      trustFrameworkVersion: hub.ctx.trust.version,
    });
    // A grant released under the same consent (so both steps have work), and a journey with details.
    await db
      .updateTable('releases')
      .set({ consent_id: consent.consentId })
      .where('grant_id', '=', s.grantId)
      .execute();
    await db
      .insertInto('journeys')
      .values({
        journey_id: 'j-withdrawal-test',
        account_id: s.account_id,
        event_id: 'having_a_baby',
        event_date: '2026-01-01',
        answers: '{}',
        steps_done: '[]',
        created_at: 1,
        updated_at: 1,
        catalogue_version: null,
        verified_sealed: 'sealed-details',
      })
      .execute();
    const verified = async () =>
      (
        await db
          .selectFrom('journeys')
          .select('verified_sealed')
          .where('journey_id', '=', 'j-withdrawal-test')
          .executeTakeFirstOrThrow()
      ).verified_sealed;
    const before = await grantRows(s.grantId);

    const allow = await refuse(hub.ctx.storage, 'journeys', 'UPDATE');
    try {
      await assert.rejects(hub.ctx.consents.withdraw(s.account_id, consent.consentId), /injected failure/);
    } finally {
      await allow();
    }
    assert.equal(await withdrawnAt(consent.consentId), null);
    assert.deepEqual(await grantRows(s.grantId), before, 'the earlier step (tokens revoked) was rolled back');
    assert.equal(await verified(), 'sealed-details');

    assert.ok(await hub.ctx.consents.withdraw(s.account_id, consent.consentId));
    assert.notEqual(await withdrawnAt(consent.consentId), null);
    assert.deepEqual(await grantRows(s.grantId), { artefacts: 0, claims: 0 });
    assert.equal(await verified(), null);
  });

  test('the metric counts the withdrawals that happened', async () => {
    const res = await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`);
    const text = await res.text();
    const withdrawn = text
      .split('\n')
      .filter((l) => l.startsWith('govbridge_consents_total{') && l.includes('event="withdrawn"'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(withdrawn, 2);
  });

  test('a subscriber that fails is one warning with a stable code; the withdrawal stands', async () => {
    const rp = await TestRp.register(hub, { country: 'GB' });
    const s = await signedIn(rp);
    const off = hub.ctx.consents.events.on('consent.withdrawn', 'test cache', () => {
      throw new Error('cache unreachable');
    });
    const logged = lines.length;
    try {
      assert.ok(await hub.ctx.consents.withdraw(s.account_id, s.consentId));
    } finally {
      off();
    }
    assert.notEqual(await withdrawnAt(s.consentId), null);
    assert.deepEqual(await grantRows(s.grantId), { artefacts: 0, claims: 0 });
    const warnings = lines.slice(logged).filter((l) => l['code'] === 'consent_event_subscriber_failed');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!['level'], 40);
    assert.equal(warnings[0]!['subscriber'], 'test cache');
    // The withdrawal's own log line is there too (subscribed before the failing one).
    assert.equal(lines.slice(logged).filter((l) => l['event'] === 'consent_withdrawn').length, 1);
  });
});
