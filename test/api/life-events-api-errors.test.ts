import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import {
  buildApiApp,
  catalogue,
  expectProblem,
  journeyUrl,
  TODAY,
  withEventDateNotFuture,
} from './life-events-api-app.ts';

/**
 * Bad input to the life-events API: each case a 4xx application/problem+json whose `detail` names
 * the field, never a 500. "Today" is fixed at 2025-06-30.
 */

let app: FastifyInstance;
let deathMarked: FastifyInstance;
before(async () => {
  ({ app } = await buildApiApp());
  ({ app: deathMarked } = await buildApiApp({
    catalogue: withEventDateNotFuture(catalogue, 'death_of_a_loved_one'),
  }));
});
after(async () => {
  await app.close();
  await deathMarked.close();
});

const baby = journeyUrl('having_a_baby');
const death = journeyUrl('death_of_a_loved_one');
const post = (url: string, payload: object | string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers });

describe('unknown life event', () => {
  it('GET /api/life-events/:eventId → 404 naming the event', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/life-events/winning_the_lottery' });
    expectProblem(res, 404, 'not_found', /no life event "winning_the_lottery"/);
  });
  it('POST a journey for it → 404, whatever the body', async () => {
    expectProblem(
      await post(journeyUrl('winning_the_lottery'), { eventDate: '2025-03-01', facts: {} }),
      404,
      'not_found',
      /winning_the_lottery/,
    );
    expectProblem(await post(journeyUrl('winning_the_lottery'), { nonsense: 1 }), 404, 'not_found');
  });
  it('an unknown path under /api is a problem+json 404 too', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/api/life-event' }), 404, 'not_found');
  });
});

describe('malformed answers', () => {
  it('an unknown fact id', async () => {
    const res = await post(baby, { eventDate: '2025-03-01', facts: { favourite_colour: 'blue' } });
    expectProblem(res, 400, 'bad_request', /facts\.favourite_colour is not a fact this catalogue knows/);
  });
  it('an unknown fact id in verified data', async () => {
    const res = await post(baby, { eventDate: '2025-03-01', facts: {}, verified: { shoe_size: 9 } });
    expectProblem(res, 400, 'bad_request', /verified\.shoe_size is not a fact this catalogue knows/);
  });
  it('a string for a number', async () => {
    const res = await post(baby, { eventDate: '2025-03-01', facts: { child_birth_order: '2' } });
    expectProblem(res, 400, 'bad_request', /facts\.child_birth_order must be a number \(got "2"\)/);
  });
  it('a string for true/false, an object for a number, a bad enum value: each named', async () => {
    const res = await post(baby, {
      eventDate: '2025-03-01',
      facts: { parents_married: 'yes', adjusted_net_income: { amount: 1 }, birth_place: 'mars' },
    });
    const { detail } = expectProblem(res, 400, 'bad_request');
    assert.match(detail, /facts\.parents_married must be true or false/);
    assert.match(detail, /facts\.adjusted_net_income must be a number \(got an object\)/);
    assert.match(detail, /facts\.birth_place must be one of england_wales, .*singapore/);
  });
  it('a fact date in the wrong format, and an impossible one', async () => {
    expectProblem(
      await post(death, { eventDate: '2025-06-06', facts: { death_registration_date: '10/06/2025' } }),
      400,
      'bad_request',
      /facts\.death_registration_date must be a real date written YYYY-MM-DD/,
    );
    expectProblem(
      await post(death, { eventDate: '2025-06-06', facts: { death_registration_date: '2025-02-30' } }),
      400,
      'bad_request',
      /facts\.death_registration_date must be a real date/,
    );
  });
  it('negative money (the fact’s min is 0)', async () => {
    const res = await post(baby, { eventDate: '2025-03-01', facts: { adjusted_net_income: -1 } });
    expectProblem(res, 400, 'bad_request', /facts\.adjusted_net_income must be at least 0/);
  });
  it('an integer out of range or not whole (the fact’s min 1, max 20)', async () => {
    for (const [value, reason] of [
      [0, /must be at least 1/],
      [21, /must be at most 20/],
      [1.5, /must be a whole number/],
    ] as const) {
      const res = await post(baby, { eventDate: '2025-03-01', facts: { child_birth_order: value } });
      expectProblem(res, 400, 'bad_request', new RegExp(`facts\\.child_birth_order ${reason.source}`));
    }
  });
  it('a verified value is checked like an answer', async () => {
    const res = await post(baby, { eventDate: '2025-03-01', facts: {}, verified: { child_birth_order: -2 } });
    expectProblem(res, 400, 'bad_request', /verified\.child_birth_order must be at least 1/);
  });
  it('a date in the future where the fact must not be (registration of a death tomorrow)', async () => {
    const res = await post(death, {
      eventDate: '2025-06-06',
      facts: { death_registration_date: '2025-07-01' },
    });
    expectProblem(
      res,
      400,
      'bad_request',
      /facts\.death_registration_date must not be in the future \(after 2025-06-30\)/,
    );
    // Today itself is fine.
    const ok = await post(death, { eventDate: '2025-06-06', facts: { death_registration_date: TODAY } });
    assert.equal(ok.statusCode, 200);
  });
});

describe('event date', () => {
  it('missing', async () => {
    expectProblem(await post(baby, { facts: {} }), 400, 'bad_request', /eventDate is required/);
  });
  it('in the wrong format, or not a string', async () => {
    for (const eventDate of ['01/03/2025', '2025-3-1', 20250301, true]) {
      expectProblem(
        await post(baby, { eventDate, facts: {} }),
        400,
        'bad_request',
        /^eventDate must be a real date written YYYY-MM-DD$/,
      );
    }
  });
  it('an impossible date (30 February, 29 February in a common year)', async () => {
    for (const eventDate of ['2025-02-30', '2025-02-29', '2025-13-01']) {
      expectProblem(
        await post(baby, { eventDate, facts: {} }),
        400,
        'bad_request',
        /eventDate must be a real date/,
      );
    }
    const leap = await post(baby, { eventDate: '2024-02-29', facts: {} });
    assert.equal(leap.statusCode, 200);
  });
  it('a date of death in the future, where the catalogue marks the event date notFuture', async () => {
    const res = await deathMarked.inject({
      method: 'POST',
      url: death,
      payload: { eventDate: '2025-07-01', facts: {} },
    });
    expectProblem(
      res,
      400,
      'bad_request',
      /eventDate must not be in the future for “Death of a loved one” \(got 2025-07-01, today is 2025-06-30\)/,
    );
    const today = await deathMarked.inject({
      method: 'POST',
      url: death,
      payload: { eventDate: TODAY, facts: {} },
    });
    assert.equal(today.statusCode, 200);
    const detail = await deathMarked.inject({ method: 'GET', url: '/api/life-events/death_of_a_loved_one' });
    assert.equal((detail.json() as { eventDate: { notFuture: boolean } }).eventDate.notFuture, true);
  });
  it('the real catalogue marks a death as not in the future', async () => {
    const res = await post(death, { eventDate: '2025-07-01', facts: {} });
    expectProblem(res, 400, 'bad_request', /eventDate must not be in the future/);
  });
  it('a birth in the future is allowed (a baby on the way): the event is not marked', async () => {
    const res = await post(baby, { eventDate: '2025-09-01', facts: {} });
    assert.equal(res.statusCode, 200);
  });
  it('before some services’ rules begin: 200, those services outside the rules (with the date), the rest worked out', async () => {
    const res = await post(`${baby}?trace=true`, {
      eventDate: '2020-01-01',
      facts: { birth_place: 'singapore', child_is_singapore_citizen: true, parents_married: true },
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as {
      services: {
        serviceId: string;
        eligibility: string;
        rulesFrom?: string;
        trace?: object;
        explanation: string[];
      }[];
    };
    const by = new Map(body.services.map((s) => [s.serviceId, s]));
    const sgBirth = by.get('sg.register_birth')!;
    assert.equal(sgBirth.eligibility, 'outside_rules');
    assert.equal(sgBirth.rulesFrom, '2022-05-29');
    assert.deepEqual(sgBirth.trace, {});
    assert.match(
      sgBirth.explanation[0]!,
      /we hold rules for “Register the birth \(LifeSG\)” from 29 May 2022: your date, 1 January 2020, is before that/,
    );
    // the Cash Gift's series start in 2015: worked out for a birth in 2020
    const gift = by.get('sg.baby_bonus_cash_gift')!;
    assert.equal(gift.eligibility, 'eligible');
    assert.equal(gift.rulesFrom, undefined);
  });
});

describe('the request itself', () => {
  it('a body that is not JSON → 400', async () => {
    expectProblem(
      await post(baby, '{"eventDate": "2025-03-01", facts', { 'content-type': 'application/json' }),
      400,
      'bad_request',
      /not valid JSON/,
    );
  });
  it('an empty JSON body → 400', async () => {
    expectProblem(await post(baby, '', { 'content-type': 'application/json' }), 400, 'bad_request', /empty/);
  });
  it('a JSON value that is not an object → 400', async () => {
    for (const payload of ['[1,2]', '"2025-03-01"', 'null', '42']) {
      expectProblem(
        await post(baby, payload, { 'content-type': 'application/json' }),
        400,
        'bad_request',
        /The request body must be a JSON object/,
      );
    }
  });
  it('a form post or plain text → 415', async () => {
    expectProblem(
      await post(baby, 'eventDate=2025-03-01', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'bad_request',
      /Content-Type: application\/json/,
    );
    expectProblem(await post(baby, 'hello', { 'content-type': 'text/plain' }), 415, 'bad_request');
  });
  it('facts not an object', async () => {
    expectProblem(
      await post(baby, { eventDate: '2025-03-01', facts: ['child_birth_order', 2] }),
      400,
      'bad_request',
      /^facts must be a JSON object$/,
    );
  });
  it('an unknown field (a typo) is refused, not ignored', async () => {
    expectProblem(
      await post(baby, { eventDate: '2025-03-01', facts: {}, verifed: { child_birth_order: 2 } }),
      400,
      'bad_request',
      /verifed is not a field of this request \(send eventDate, facts, verified\)/,
    );
  });
  it('too many facts', async () => {
    const facts: Record<string, number> = {};
    for (let i = 0; i <= catalogue.facts.size; i++) facts[`fact_${i}`] = i;
    expectProblem(
      await post(baby, { eventDate: '2025-03-01', facts }),
      400,
      'bad_request',
      new RegExp(`^facts has too many entries \\(at most ${catalogue.facts.size}\\)$`),
    );
  });
  it('a body over 64 KiB → 413, with or without a Content-Length', async () => {
    const big = { eventDate: '2025-03-01', facts: { applicant_name: 'x'.repeat(70 * 1024) } };
    expectProblem(await post(baby, big), 413, 'payload_too_large', /at most 65536 bytes/);
    // Chunked (no Content-Length): Fastify's body limit for these routes stops it while reading.
    const res = await app.inject({
      method: 'POST',
      url: baby,
      headers: { 'content-type': 'application/json' },
      payload: Readable.from([JSON.stringify(big)]),
    });
    expectProblem(res, 413, 'payload_too_large');
  });
  it('an answer that is too long for a text fact', async () => {
    const res = await post(journeyUrl('moving_uk_to_singapore'), {
      eventDate: '2025-05-01',
      facts: { new_address: 'x'.repeat(501) },
    });
    expectProblem(res, 400, 'bad_request', /facts\.new_address must be at most 500 characters/);
  });
  it('?trace=maybe → 400 naming the query parameter', async () => {
    const res = await post(`${baby}?trace=maybe`, { eventDate: '2025-03-01', facts: {} });
    expectProblem(res, 400, 'bad_request', /query parameter trace must be true or false/);
  });
  it('an event id longer than the router accepts → 414 problem+json', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/life-events/${'a'.repeat(200)}` });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  });
});

describe('never a 500', () => {
  const factIds = [...catalogue.facts.keys()];
  const answer = fc.oneof(
    fc.jsonValue(),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    fc.integer({ min: -5, max: 25 }),
  );
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        eventDate: fc.oneof(
          fc
            .date({ min: new Date('1990-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
          fc.string(),
        ),
        facts: fc.dictionary(fc.constantFrom(...factIds, 'nope'), answer, { maxKeys: 8 }),
        verified: fc.dictionary(fc.constantFrom(...factIds), answer, { maxKeys: 3 }),
      },
      { requiredKeys: ['facts'] },
    ),
  );
  it('any JSON body to any event answers 200 or a 4xx problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...catalogue.events.keys(), 'nope'),
        body,
        async (eventId, payload) => {
          const res = await app.inject({
            method: 'POST',
            url: journeyUrl(eventId),
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          });
          if (res.statusCode === 200) return;
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
          assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
