import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { SavedJourney } from '../../src/life-events/index.ts';
import { loadTrustFramework } from '../../src/trust/index.ts';
import { knownValues, REPORT_FORMS } from '../../src/web/reports/report-forms.ts';
import { buildApiApp, catalogue, journeyUrl } from '../api/life-events-api-app.ts';
import { getPage, pageText, submitPage, TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * Retiring abroad (issue 13): two events, one per direction, like the moving events — in the API, in
 * a journey's questions, on the hub's life-events pages, and in Tell Us Once (a move abroad report).
 */

interface Decision {
  serviceId: string;
  eligibility: string;
  missing: string[];
  deadline?: { status: string; date?: string };
}
interface Journey {
  eventId: string;
  services: Decision[];
  questions: { factId: string; neededBy: string[] }[];
}

const RETIRING = {
  retiring_uk_to_singapore: { name: 'Retiring from the UK to Singapore', from: 'GB', to: 'SG' },
  retiring_singapore_to_uk: { name: 'Retiring from Singapore to the UK', from: 'SG', to: 'GB' },
} as const;

describe('retiring abroad in the life-events API', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await buildApiApp());
  });
  after(() => app.close());

  async function journey(eventId: string, body: object): Promise<Journey> {
    const res = await app.inject({ method: 'POST', url: journeyUrl(eventId, false), payload: body });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Journey;
  }
  const decision = (j: Journey, id: string): Decision => {
    const d = j.services.find((s) => s.serviceId === id);
    assert.ok(d, `no decision for ${id}`);
    return d;
  };

  test('both events are listed, each with its countries in the direction of the move and its services in order', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/life-events' });
    assert.equal(res.statusCode, 200);
    const { events } = res.json() as {
      events: {
        id: string;
        name: string;
        countries: string[];
        services: { id: string; country: string }[];
      }[];
    };
    for (const [id, want] of Object.entries(RETIRING)) {
      const e = events.find((x) => x.id === id);
      assert.ok(e, `${id} is not listed`);
      assert.equal(e.name, want.name);
      assert.deepEqual(e.countries, [want.from, want.to]);
      assert.deepEqual(
        e.services.map((s) => s.id),
        catalogue.events.get(id)!.services,
      );
    }
    const uk = events.find((x) => x.id === 'retiring_uk_to_singapore')!;
    assert.ok(
      uk.services.some((s) => s.id === 'uk.p85_leaving_uk'),
      'reuses P85',
    );
    assert.ok(
      uk.services.some((s) => s.id === 'sg.change_of_address'),
      'reuses the ICA address report',
    );
  });

  test('UK tax residence asks about ties only when the days do not decide', async () => {
    const middle = await journey('retiring_uk_to_singapore', {
      eventDate: '2025-05-01',
      facts: { uk_resident_in_previous_3_tax_years: true, days_in_uk_in_tax_year: 40 },
    });
    const srt = decision(middle, 'uk.statutory_residence_test');
    assert.equal(srt.eligibility, 'may_be_eligible');
    assert.deepEqual(srt.missing, ['uk_ties_make_you_resident']);
    assert.ok(
      middle.questions.some(
        (q) => q.factId === 'uk_ties_make_you_resident' && q.neededBy.includes('uk.statutory_residence_test'),
      ),
    );
    const few = await journey('retiring_uk_to_singapore', {
      eventDate: '2025-05-01',
      facts: { uk_resident_in_previous_3_tax_years: true, days_in_uk_in_tax_year: 12 },
    });
    assert.equal(decision(few, 'uk.statutory_residence_test').eligibility, 'not_eligible');
    assert.ok(!few.questions.some((q) => q.factId === 'uk_ties_make_you_resident'));
  });

  test('a Singapore citizen retiring to the UK: CPF LIFE continues, the address is reported within 28 days, a partner visa is needed', async () => {
    const j = await journey('retiring_singapore_to_uk', {
      eventDate: '2025-06-02',
      facts: {
        singapore_residency_status: 'citizen',
        is_cpf_member: true,
        giving_up_singapore_status: false,
        needs_uk_visa: true,
        uk_family_route: 'partner',
        employed_in_singapore: false,
      },
    });
    assert.equal(decision(j, 'sg.cpf_life_payouts').eligibility, 'eligible');
    const address = decision(j, 'sg.change_of_address').deadline;
    assert.equal(address?.status, 'known');
    assert.equal(address?.date, '2025-06-30');
    assert.equal(decision(j, 'uk.family_visa').eligibility, 'eligible');
    // Not settled in the UK: MediShield Life premiums cannot be suspended, whatever else is true.
    assert.equal(decision(j, 'sg.medishield_life_premium_suspension').eligibility, 'not_eligible');
    assert.equal(decision(j, 'sg.ir21_tax_clearance').eligibility, 'not_eligible');
  });

  test('a wrong answer is a 400 naming the fact, not a 500', async () => {
    const res = await app.inject({
      method: 'POST',
      url: journeyUrl('retiring_singapore_to_uk', false),
      payload: { eventDate: '2025-06-02', facts: { uk_family_route: 'retirement_visa' } },
    });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.match(res.body, /uk_family_route/);
  });
});

describe('retiring abroad in Tell Us Once', () => {
  const trust = loadTrustFramework('trust/trust-framework.yaml');
  const spec = trust.events!['moving-abroad']!;

  test('each retiring event reports a move abroad, from and to the right countries', () => {
    for (const [id, want] of Object.entries(RETIRING)) {
      const form = REPORT_FORMS[id];
      assert.ok(form, `${id} makes no report`);
      assert.equal(form.eventType, 'moving-abroad');
      const saved: SavedJourney = {
        journeyId: 'j-1',
        accountId: 'acc-1',
        eventId: id,
        eventDate: '2026-03-02',
        answers: {},
        stepsDone: [],
        createdAt: new Date(),
        updatedAt: new Date(),
        catalogueVersion: null,
      };
      const known = knownValues(form, spec, saved, catalogue);
      assert.deepEqual(known['date_of_move'], { value: '2026-03-02', source: 'journey' });
      assert.deepEqual(known['from_country'], { value: want.from, source: 'journey' });
      assert.deepEqual(known['to_country'], { value: want.to, source: 'journey' });
    }
  });
});

describe('retiring abroad on the hub pages', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('the life-events chooser offers both events, and one starts a journey with its first question', async () => {
    const b = new TestBrowser();
    const start = await b.follow(`${hub.url}/account/consents`);
    const chooser = await b.submit(start.url, await start.res.text(), '/account/sign-in', {
      scheme: 'singpass',
    });
    const done = await b.submit(chooser.url, await chooser.res.text(), '', { persona: 'sg-citizen-young' });
    assert.match(done.url, /\/account\/consents$/, b.visited.join('\n'));
    await done.res.arrayBuffer();

    const choose = await getPage(b, hub.url, '/life-events');
    assert.equal(choose.status, 200);
    for (const [id, want] of Object.entries(RETIRING)) {
      assert.match(choose.html, new RegExp(`value="${id}"`));
      assert.ok(pageText(choose.html).includes(want.name), want.name);
    }
    const first = await submitPage(b, choose, '/life-events/start', {
      event: 'retiring_singapore_to_uk',
      'eventDate-day': '2',
      'eventDate-month': '3',
      'eventDate-year': '2026',
    });
    assert.match(first.url, /\/questions\/[a-z0-9_]+$/, first.html);
    assert.match(pageText(first.html), /What is your status in Singapore\?/);
  });
});
