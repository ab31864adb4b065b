import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../../src/kernel/index.ts';
import { JourneyStore } from '../../src/life-events/index.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';

async function withAccounts() {
  const s = await openTestStorage();
  for (const id of ['acc-1', 'acc-2']) {
    await s.db
      .insertInto('accounts')
      .values({ account_id: id, scheme: 'singpass', upstream_subject: id, created_at: 1, last_login_at: 1 })
      .execute();
  }
  return s;
}

test(`journey store (${testDialect()}): create, get, answers and steps round-trip`, async () => {
  const s = await withAccounts();
  try {
    const store = new JourneyStore(s, fixedClock(new Date('2025-03-02T10:00:00Z')));
    const j = await store.create({ accountId: 'acc-1', eventId: 'having_a_baby', eventDate: '2025-03-01' });
    assert.deepEqual(j.answers, {});
    assert.deepEqual(j.stepsDone, []);
    const got = await store.get('acc-1', j.journeyId);
    assert.equal(got?.eventId, 'having_a_baby');
    assert.equal(got?.eventDate, '2025-03-01');
    assert.equal(got?.createdAt.toISOString(), '2025-03-02T10:00:00.000Z');

    await store.updateAnswers('acc-1', j.journeyId, { birth_place: 'singapore', child_birth_order: 2 });
    await store.updateAnswers('acc-1', j.journeyId, { parents_married: true, adjusted_net_income: null });
    const answered = await store.get('acc-1', j.journeyId);
    assert.deepEqual(answered?.answers, {
      birth_place: 'singapore',
      child_birth_order: 2,
      parents_married: true,
      adjusted_net_income: null,
    });

    await store.setStepDone('acc-1', j.journeyId, 'sg.register_birth', true);
    await store.setStepDone('acc-1', j.journeyId, 'sg.baby_bonus_cash_gift', true);
    await store.setStepDone('acc-1', j.journeyId, 'sg.register_birth', true);
    assert.deepEqual((await store.get('acc-1', j.journeyId))?.stepsDone, [
      'sg.baby_bonus_cash_gift',
      'sg.register_birth',
    ]);
    await store.setStepDone('acc-1', j.journeyId, 'sg.baby_bonus_cash_gift', false);
    assert.deepEqual((await store.get('acc-1', j.journeyId))?.stepsDone, ['sg.register_birth']);
  } finally {
    await s.close();
  }
});

test(`journey store (${testDialect()}): another account's journey is not found, and cannot be changed`, async () => {
  const s = await withAccounts();
  try {
    const store = new JourneyStore(s);
    const j = await store.create({ accountId: 'acc-1', eventId: 'having_a_baby', eventDate: '2025-03-01' });
    assert.equal(await store.get('acc-2', j.journeyId), undefined);
    assert.equal(await store.updateAnswers('acc-2', j.journeyId, { birth_place: 'scotland' }), undefined);
    assert.equal(await store.setStepDone('acc-2', j.journeyId, 'sg.register_birth', true), undefined);
    assert.deepEqual(await store.list('acc-2'), []);
    const mine = await store.get('acc-1', j.journeyId);
    assert.deepEqual(mine?.answers, {});
    assert.deepEqual(mine?.stepsDone, []);
    assert.equal(await store.get('acc-1', '00000000-0000-4000-8000-000000000000'), undefined);
  } finally {
    await s.close();
  }
});

test(`journey store (${testDialect()}): list is the account's journeys, most recently changed first`, async () => {
  const s = await withAccounts();
  try {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = new JourneyStore(s, {
      now: () => new Date(now),
      epochSeconds: () => Math.floor(now / 1000),
    });
    const a = await store.create({ accountId: 'acc-1', eventId: 'having_a_baby', eventDate: '2025-03-01' });
    now += 1000;
    const b = await store.create({
      accountId: 'acc-1',
      eventId: 'death_of_a_loved_one',
      eventDate: '2025-02-01',
    });
    now += 1000;
    await store.create({ accountId: 'acc-2', eventId: 'having_a_baby', eventDate: '2025-03-01' });
    assert.deepEqual(
      (await store.list('acc-1')).map((j) => j.journeyId),
      [b.journeyId, a.journeyId],
    );
    now += 1000;
    await store.updateAnswers('acc-1', a.journeyId, { birth_place: 'singapore' });
    assert.deepEqual(
      (await store.list('acc-1')).map((j) => j.journeyId),
      [a.journeyId, b.journeyId],
    );
  } finally {
    await s.close();
  }
});

test(`journey store (${testDialect()}): the catalogue version is recorded when a journey is created or changed`, async () => {
  const s = await withAccounts();
  try {
    let now = Date.parse('2026-11-27T09:00:00Z');
    const clock = { now: () => new Date(now), epochSeconds: () => Math.floor(now / 1000) };
    const kek = new Uint8Array(32).fill(7);
    const v1 = new JourneyStore(s, clock, kek, { catalogueVersion: '2026-11-27.1' });
    const j = await v1.create({ accountId: 'acc-1', eventId: 'having_a_baby', eventDate: '2025-03-01' });
    assert.equal(j.catalogueVersion, '2026-11-27.1');
    assert.equal((await v1.get('acc-1', j.journeyId))?.catalogueVersion, '2026-11-27.1');
    const column = async () =>
      (
        await s.db
          .selectFrom('journeys')
          .select('catalogue_version')
          .where('journey_id', '=', j.journeyId)
          .executeTakeFirstOrThrow()
      ).catalogue_version;
    assert.equal(await column(), '2026-11-27.1');

    // The hub restarts with a new catalogue: each change records the version it ran.
    const v2 = new JourneyStore(s, clock, kek, { catalogueVersion: '2026-11-27.2' });
    now += 1000;
    assert.equal(
      (await v2.updateAnswers('acc-1', j.journeyId, { birth_place: 'singapore' }))?.catalogueVersion,
      '2026-11-27.2',
    );
    assert.equal(await column(), '2026-11-27.2');
    const v3 = new JourneyStore(s, clock, kek, { catalogueVersion: '2026-12-01.1' });
    assert.equal(
      (await v3.setStepDone('acc-1', j.journeyId, 'sg.register_birth', true))?.catalogueVersion,
      '2026-12-01.1',
    );
    const v4 = new JourneyStore(s, clock, kek, { catalogueVersion: '2026-12-02.1' });
    assert.ok(
      await v4.setVerified('acc-1', j.journeyId, {
        claims: { name: 'Tan Mei Ling' },
        scheme: 'singpass',
        trustFrameworkVersion: '2026-11-27.1',
        verifiedAt: '2026-11-27T09:00:00.000Z',
        consentId: 'consent-1',
      }),
    );
    assert.equal(await column(), '2026-12-02.1');
    // Another account's attempt changes nothing, version included.
    assert.equal(await v1.updateAnswers('acc-2', j.journeyId, { birth_place: 'scotland' }), undefined);
    assert.equal(await column(), '2026-12-02.1');

    // A store given no version (the store's own tests) records none and keeps the one recorded.
    const bare = new JourneyStore(s, clock);
    const k = await bare.create({ accountId: 'acc-1', eventId: 'having_a_baby', eventDate: '2025-03-01' });
    assert.equal(k.catalogueVersion, null);
    await bare.updateAnswers('acc-1', j.journeyId, { parents_married: true });
    assert.equal(await column(), '2026-12-02.1');
    assert.deepEqual((await bare.get('acc-1', j.journeyId))?.answers, {
      birth_place: 'singapore',
      parents_married: true,
    });
  } finally {
    await s.close();
  }
});
