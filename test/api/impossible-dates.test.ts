import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { acceptedDates } from '../../src/kernel/index.ts';
import { evaluateJourney, evaluateMany } from '../../src/life-events/index.ts';
import { buildApiApp, catalogue, expectProblem, journeyUrl, TODAY } from './life-events-api-app.ts';

/**
 * Impossible dates through the API (issue 10): 9999-12-31 used to make the date arithmetic leave
 * the years 0000–9999 and answer 500. Every date a client gives is bounded to 1900-01-01 … ten years
 * after today (kernel/date-range.ts); outside it the answer is a 400 problem+json naming the field and
 * the range. "Today" is fixed at 2025-06-30, so the range ends on 2035-06-30.
 */
let app: FastifyInstance;
before(async () => {
  ({ app } = await buildApiApp());
});
after(async () => {
  await app.close();
});

const post = (eventId: string, payload: object) =>
  app.inject({ method: 'POST', url: journeyUrl(eventId), payload });

describe('event dates', () => {
  it('having a baby on 9999-12-31 → 400 naming eventDate and the range', async () => {
    const res = await post('having_a_baby', { eventDate: '9999-12-31', facts: {} });
    expectProblem(
      res,
      400,
      'bad_request',
      /^eventDate must be between 1900-01-01 and 2035-06-30 \(got 9999-12-31\)$/,
    );
  });
  it('the last accepted day works; the day after is refused', async () => {
    assert.equal((await post('having_a_baby', { eventDate: '2035-06-30', facts: {} })).statusCode, 200);
    expectProblem(
      await post('having_a_baby', { eventDate: '2035-07-01', facts: {} }),
      400,
      'bad_request',
      /eventDate must be between 1900-01-01 and 2035-06-30/,
    );
  });
  it('0000-01-01 and 1899-12-31 → 400 with the range, on every event', async () => {
    for (const eventId of catalogue.events.keys()) {
      for (const eventDate of ['0000-01-01', '1899-12-31']) {
        const res = await post(eventId, { eventDate, facts: {} });
        expectProblem(res, 400, 'bad_request', /eventDate must be between 1900-01-01 and 2035-06-30/);
      }
    }
  });
  it('every event, dated at either end of the range, evaluates without a 500', async () => {
    for (const eventId of catalogue.events.keys()) {
      for (const eventDate of ['1900-01-01', '2035-06-30']) {
        const res = await post(eventId, { eventDate, facts: {} });
        assert.ok(res.statusCode < 500, `${eventId} ${eventDate}: ${res.statusCode} ${res.body}`);
      }
    }
  });
});

describe('date facts', () => {
  it('a date of birth, a funeral date, a registration date of 9999-12-31 → 400 naming each', async () => {
    const res = await post('death_of_a_loved_one', {
      eventDate: '2025-06-01',
      facts: { funeral_date: '9999-12-31', applicant_birthdate: '1066-10-14' },
    });
    const { detail } = expectProblem(res, 400, 'bad_request');
    assert.match(
      detail,
      /facts\.funeral_date must be between 1900-01-01 and 2035-06-30 \(got "9999-12-31"\)/,
    );
    assert.match(
      detail,
      /facts\.applicant_birthdate must be between 1900-01-01 and 2035-06-30 \(got "1066-10-14"\)/,
    );
  });
  it('a verified date is bounded the same way', async () => {
    const res = await post('having_a_baby', {
      eventDate: '2025-03-01',
      facts: {},
      verified: { applicant_birthdate: '0001-01-01' },
    });
    expectProblem(res, 400, 'bad_request', /verified\.applicant_birthdate must be between 1900-01-01/);
  });
});

describe('the life-events module itself', () => {
  it('evaluateJourney refuses an out-of-range event date as bad_request with the range in detail', () => {
    assert.throws(
      () => evaluateJourney(catalogue, 'having_a_baby', '9999-12-31', {}, { today: TODAY }),
      (err: { code: string; message: string; detail: Record<string, unknown> }) => {
        assert.equal(err.code, 'bad_request');
        assert.deepEqual(err.detail, { field: 'eventDate', earliest: '1900-01-01', latest: '2035-06-30' });
        return true;
      },
    );
  });
  it('a bulk run reports the citizen with an impossible date and goes on with the others', () => {
    const results = [
      ...evaluateMany(catalogue, 'having_a_baby', [
        { eventDate: '9999-12-31', facts: {} },
        { eventDate: '2025-03-01', facts: {} },
      ]),
    ];
    const [bad, good] = results;
    assert.ok(bad && 'error' in bad, JSON.stringify(bad));
    assert.match(bad.error, /eventDate must be between 1900-01-01 and /);
    assert.ok(good && !('error' in good), JSON.stringify(good));
  });
  it('the range: ten years on from 29 February ends on 28 February; notFuture ends it today', () => {
    assert.deepEqual(acceptedDates('2024-02-29'), { earliest: '1900-01-01', latest: '2034-02-28' });
    assert.deepEqual(acceptedDates('2025-06-30', { notFuture: true }), {
      earliest: '1900-01-01',
      latest: '2025-06-30',
    });
  });
});
