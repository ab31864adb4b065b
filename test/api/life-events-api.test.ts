import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildWebTestApp } from '../../src/web/index.ts';
import { lifeEventsApi } from '../../src/web/life-events-api/index.ts';
import { buildApiApp, catalogue, journeyUrl } from './life-events-api-app.ts';

/** The life-events JSON API's success cases, on the real catalogue. */

interface Trace {
  expression: string;
  facts: { id: string; known: boolean; value?: unknown }[];
  parameters: { id: string; value: unknown; from: string; reference: string; expected?: boolean }[];
  result: { status: string; value?: unknown; missing?: string[] };
}
interface ServiceDecision {
  serviceId: string;
  name: string;
  agency: { id: string; name: string };
  country: string;
  url: string;
  howToApply: string;
  eligibility: string;
  missing: string[];
  deadline?: { status: string; date?: string; missing?: string[]; description: string };
  amount?: { status: string; value?: number; missing?: string[]; currency: string; period: string };
  explanation: string[];
  trace?: { eligibility: Trace; deadline?: Trace; amount?: Trace };
}
interface Journey {
  catalogueVersion: string;
  eventId: string;
  eventName: string;
  eventDate: string;
  services: ServiceDecision[];
  questions: { factId: string; type: string; question: string; neededBy: string[]; min?: number }[];
  facts: Record<string, { value: unknown; source: string }>;
  conflicts: { fact: string; answered: unknown; verified: unknown; message: string }[];
}

let app: FastifyInstance;
before(async () => {
  ({ app } = await buildApiApp());
});
after(() => app.close());

async function journey(eventId: string, body: unknown, trace = false): Promise<Journey> {
  const res = await app.inject({ method: 'POST', url: journeyUrl(eventId, trace), payload: body as object });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['cache-control'], 'no-store', 'a journey carries personal answers');
  return res.json() as Journey;
}

function service(j: Journey, id: string): ServiceDecision {
  const s = j.services.find((x) => x.serviceId === id);
  assert.ok(s, `no decision for ${id}`);
  return s;
}

describe('GET /api/life-events', () => {
  it('lists every event with its services in journey order, with agency and country', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/life-events' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    const { catalogueVersion, events } = res.json() as {
      catalogueVersion: string;
      events: {
        id: string;
        name: string;
        description: string;
        countries: string[];
        services: { id: string; name: string; agency: { id: string; name: string }; country: string }[];
      }[];
    };
    assert.equal(catalogueVersion, catalogue.version);
    assert.match(catalogueVersion, /^\d{4}-\d{2}-\d{2}\.\d+$/);
    assert.deepEqual(events.map((e) => e.id).sort(), [...catalogue.events.keys()].sort());
    const baby = events.find((e) => e.id === 'having_a_baby')!;
    assert.equal(baby.name, 'Having a baby');
    assert.deepEqual(baby.countries, ['GB', 'SG']);
    assert.ok(baby.description.length > 0);
    assert.deepEqual(
      baby.services.map((s) => s.id),
      catalogue.events.get('having_a_baby')!.services,
    );
    const cashGift = baby.services.find((s) => s.id === 'sg.baby_bonus_cash_gift')!;
    assert.deepEqual(cashGift.agency.id, 'msf');
    assert.equal(cashGift.country, 'SG');
    assert.equal(cashGift.name, 'Baby Bonus Cash Gift');
    assert.equal(baby.services.find((s) => s.id === 'uk.child_benefit')!.country, 'GB');
  });
});

describe('GET /api/life-events/:eventId', () => {
  it('gives the event, its services in full and every question it may ask', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/life-events/having_a_baby' });
    assert.equal(res.statusCode, 200);
    const event = res.json() as {
      catalogueVersion: string;
      id: string;
      eventDate: { question: string; notFuture: boolean };
      services: {
        id: string;
        agency: { id: string; name: string; website: string };
        country: string;
        description: string;
        howToApply: string;
        url: string;
        sources: string[];
      }[];
      questions: {
        factId: string;
        type: string;
        question: string;
        hint?: string;
        options?: { value: string; text: string }[];
        min?: number;
        max?: number;
        usedBy: string[];
      }[];
    };
    assert.equal(event.id, 'having_a_baby');
    assert.equal(event.catalogueVersion, catalogue.version);
    assert.equal(event.eventDate.question, "What is (or was) the baby's date of birth?");
    assert.equal(event.eventDate.notFuture, false);
    const childBenefit = event.services.find((s) => s.id === 'uk.child_benefit')!;
    assert.equal(childBenefit.url, 'https://www.gov.uk/child-benefit');
    assert.equal(childBenefit.agency.id, 'hmrc');
    assert.match(childBenefit.agency.website, /^https:\/\//);
    assert.equal(childBenefit.country, 'GB');
    assert.ok(childBenefit.description.length > 0 && childBenefit.howToApply.length > 0);
    assert.ok(childBenefit.sources.includes('https://www.gov.uk/child-benefit/how-to-claim'));

    const order = event.questions.find((q) => q.factId === 'child_birth_order')!;
    assert.equal(order.type, 'integer');
    assert.equal(order.min, 1);
    assert.equal(order.max, 20);
    assert.equal(order.hint, 'Count all your children, including this one.');
    assert.ok(order.usedBy.includes('sg.baby_bonus_cash_gift') && order.usedBy.includes('uk.child_benefit'));
    const place = event.questions.find((q) => q.factId === 'birth_place')!;
    assert.equal(place.type, 'enum');
    assert.ok(place.options?.some((o) => o.value === 'singapore' && o.text === 'Singapore'));
    const income = event.questions.find((q) => q.factId === 'adjusted_net_income')!;
    assert.equal(income.type, 'money');
    assert.equal(income.min, 0);
    // Every fact any service of the event reads, once.
    const expected = new Set(
      catalogue.events.get('having_a_baby')!.services.flatMap((id) => catalogue.services.get(id)!.facts),
    );
    assert.deepEqual(new Set(event.questions.map((q) => q.factId)), expected);
    assert.equal(event.questions.length, expected.size);
  });
});

describe('POST /api/life-events/:eventId/journey', () => {
  it('second child born 1 Mar 2025 in Singapore to married parents: Baby Bonus Cash Gift S$11,000', async () => {
    const j = await journey('having_a_baby', {
      eventDate: '2025-03-01',
      facts: {
        birth_place: 'singapore',
        child_is_singapore_citizen: true,
        parents_married: true,
        child_birth_order: 2,
      },
    });
    assert.equal(j.eventId, 'having_a_baby');
    assert.equal(j.catalogueVersion, catalogue.version);
    assert.equal(j.eventName, 'Having a baby');
    assert.equal(j.eventDate, '2025-03-01');
    assert.deepEqual(
      j.services.map((s) => s.serviceId),
      catalogue.events.get('having_a_baby')!.services,
    );
    const gift = service(j, 'sg.baby_bonus_cash_gift');
    assert.equal(gift.eligibility, 'eligible');
    assert.deepEqual(gift.missing, []);
    assert.equal(gift.amount?.status, 'known');
    assert.equal(gift.amount?.value, 11000);
    assert.equal(gift.amount?.currency, 'SGD');
    assert.equal(gift.amount?.period, 'once');
    assert.equal(gift.agency.id, 'msf');
    assert.equal(gift.country, 'SG');
    assert.match(gift.explanation.join(' '), /Eligible for “Baby Bonus Cash Gift”/);
    assert.match(gift.explanation.join(' '), /S\$11,000/);
    assert.equal(gift.trace, undefined, 'no trace unless asked');
    const grant = service(j, 'sg.cda_first_step_grant');
    assert.equal(grant.amount?.value, 5000);
    const register = service(j, 'sg.register_birth');
    assert.equal(register.deadline?.status, 'known');
    assert.equal(register.deadline?.date, '2025-04-12');
    assert.equal(service(j, 'uk.register_birth').eligibility, 'not_eligible');
    assert.deepEqual(j.facts['child_birth_order'], { value: 2, source: 'answered' });
    assert.deepEqual(j.conflicts, []);
  });

  it('UK Child Benefit: weekly amount, no High Income Child Benefit Charge below the threshold', async () => {
    const j = await journey('having_a_baby', {
      eventDate: '2025-06-01',
      facts: {
        birth_place: 'england_wales',
        lives_in_uk: true,
        responsible_for_child: true,
        child_birth_order: 1,
        adjusted_net_income: 45000,
      },
    });
    const cb = service(j, 'uk.child_benefit');
    assert.equal(cb.eligibility, 'eligible');
    assert.deepEqual(cb.amount && { ...cb.amount, description: undefined }, {
      status: 'known',
      value: 26.05,
      currency: 'GBP',
      period: 'week',
      description: undefined,
    });
    assert.deepEqual(cb.deadline && { status: cb.deadline.status, date: cb.deadline.date }, {
      status: 'known',
      date: '2025-09-01',
    });
    const hicbc = service(j, 'uk.high_income_child_benefit_charge');
    assert.equal(hicbc.eligibility, 'not_eligible');
    assert.equal(hicbc.amount, undefined);
    assert.ok(hicbc.explanation.length > 0);
    assert.ok(!j.questions.some((q) => q.factId === 'adjusted_net_income'));
  });

  it('an unknown income: the charge may apply, and the journey asks for the income', async () => {
    const j = await journey('having_a_baby', {
      eventDate: '2025-06-01',
      facts: {
        lives_in_uk: true,
        responsible_for_child: true,
        child_birth_order: 1,
        adjusted_net_income: null,
      },
    });
    const hicbc = service(j, 'uk.high_income_child_benefit_charge');
    assert.equal(hicbc.eligibility, 'may_be_eligible');
    assert.ok(hicbc.missing.includes('adjusted_net_income'));
    const q = j.questions.find((x) => x.factId === 'adjusted_net_income');
    assert.ok(q, 'asks for the income');
    assert.equal(q.type, 'money');
    assert.equal(q.min, 0);
    assert.ok(q.neededBy.includes('uk.high_income_child_benefit_charge'));
    assert.match(q.question, /adjusted net income/);
    assert.equal(j.facts['adjusted_net_income'], undefined, 'null means not known');
    assert.equal(service(j, 'uk.child_benefit').amount?.value, 26.05);
  });

  it('?trace=true adds each decision’s structured trace: expression, facts, parameters in force', async () => {
    const body = {
      eventDate: '2025-06-01',
      facts: { lives_in_uk: true, responsible_for_child: true, child_birth_order: 1 },
    };
    const traced = await journey('having_a_baby', body, true);
    for (const s of traced.services) {
      assert.ok(s.trace?.eligibility, `${s.serviceId} has an eligibility trace`);
      assert.equal(typeof s.trace.eligibility.expression, 'string');
    }
    const cb = service(traced, 'uk.child_benefit');
    assert.equal(cb.trace?.eligibility.expression, 'facts.lives_in_uk && facts.responsible_for_child');
    assert.deepEqual(cb.trace?.eligibility.facts, [
      { id: 'lives_in_uk', known: true, value: true },
      { id: 'responsible_for_child', known: true, value: true },
    ]);
    assert.deepEqual(cb.trace?.eligibility.result, { status: 'known', value: true });
    const rate = cb.trace?.amount?.parameters.find((p) => p.id === 'uk.child_benefit.weekly_rate.eldest');
    assert.ok(rate, 'the amount trace reads the eldest-child rate');
    assert.equal(rate.value, 26.05);
    assert.equal(rate.from, '2025-04-06');
    assert.match(rate.reference, /^https:\/\//);
    assert.ok(cb.trace?.deadline, 'deadline trace');
    // An unknown fact is read as unknown, without a value.
    const hicbc = service(traced, 'uk.high_income_child_benefit_charge');
    assert.deepEqual(hicbc.trace?.eligibility.facts, [{ id: 'adjusted_net_income', known: false }]);
    assert.deepEqual(hicbc.trace?.eligibility.result, {
      status: 'unknown',
      missing: ['adjusted_net_income'],
    });

    const plain = await journey('having_a_baby', body, false);
    assert.ok(plain.services.every((s) => s.trace === undefined));
    const off = await app.inject({
      method: 'POST',
      url: '/api/life-events/having_a_baby/journey?trace=false',
      payload: body,
    });
    assert.ok((off.json() as Journey).services.every((s) => s.trace === undefined));
    // Same decisions either way.
    assert.deepEqual(
      traced.services.map(({ trace: _t, ...s }) => s),
      plain.services,
    );
  });

  it('an answer that contradicts verified data: the verified value wins and the response says so', async () => {
    const j = await journey('having_a_baby', {
      eventDate: '2025-03-01',
      facts: { child_is_singapore_citizen: true, parents_married: true, child_birth_order: 2 },
      verified: { child_birth_order: 3, parents_married: true, birth_place: 'singapore' },
    });
    assert.equal(j.conflicts.length, 1);
    const [conflict] = j.conflicts;
    assert.equal(conflict?.fact, 'child_birth_order');
    assert.equal(conflict?.answered, 2);
    assert.equal(conflict?.verified, 3);
    assert.match(conflict?.message ?? '', /verified record says 3\. We used the verified value\./);
    assert.deepEqual(j.facts['child_birth_order'], { value: 3, source: 'verified' });
    assert.deepEqual(j.facts['parents_married'], { value: true, source: 'verified' }, 'agrees: no conflict');
    assert.deepEqual(j.facts['birth_place'], { value: 'singapore', source: 'verified' }, 'verified only');
    assert.deepEqual(j.facts['child_is_singapore_citizen'], { value: true, source: 'answered' });
    // The Cash Gift for a third child.
    assert.equal(service(j, 'sg.baby_bonus_cash_gift').amount?.value, 13000);
  });

  it('a verified name that differs only in surrounding spaces is not a conflict', async () => {
    const j = await journey('moving_uk_to_singapore', {
      eventDate: '2025-05-01',
      facts: { applicant_name: 'Tan Mei Ling ' },
      verified: { applicant_name: 'Tan Mei Ling' },
    });
    assert.deepEqual(j.conflicts, []);
    assert.deepEqual(j.facts['applicant_name'], { value: 'Tan Mei Ling', source: 'verified' });
  });

  it('a date of death in the past, with its registration date, gives the death journey', async () => {
    const j = await journey('death_of_a_loved_one', {
      eventDate: '2025-06-06',
      facts: {
        death_place: 'england_wales',
        death_certificate_received_date: '2025-06-06',
        death_registration_date: '2025-06-10',
      },
    });
    // Since 9 September 2024 the 5 days run from the register office's receipt of the certificate.
    assert.equal(service(j, 'uk.register_death').deadline?.date, '2025-06-11');
    assert.equal(service(j, 'uk.tell_us_once').deadline?.date, '2025-07-08');
  });
});

describe('registration', () => {
  it('refuses to be registered outside /api (errors there would be pages, not problem+json)', async () => {
    await assert.rejects(
      buildWebTestApp({
        routes: async (child) => {
          await child.register(lifeEventsApi, { catalogue });
        },
      }),
      /lifeEventsApi must be registered under \/api/,
    );
  });
});
