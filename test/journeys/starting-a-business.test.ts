import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApiApp, journeyUrl } from '../api/life-events-api-app.ts';
import { getPage, pageText, submitPage, TestBrowser, type TestPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * Starting a business in the other country (issue 13): both events are offered on the hub's
 * life-event chooser and by the JSON API, and a journey through the pages and the API gives the
 * fees and deadlines of the catalogue's rules.
 */
const EVENTS = {
  starting_a_business_uk_to_singapore: 'Starting a business in Singapore (from the UK)',
  starting_a_business_singapore_to_uk: 'Starting a business in the UK (from Singapore)',
} as const;

let hub: TestHub;
let api: FastifyInstance;
before(async () => {
  hub = await startTestHub();
  ({ app: api } = await buildApiApp());
});
after(async () => {
  await api?.close();
  await hub?.close();
});

async function signIn(persona: string): Promise<TestBrowser> {
  const b = new TestBrowser();
  const start = await b.follow(`${hub.url}/account/consents`);
  const chooser = await b.submit(start.url, await start.res.text(), '/account/sign-in', {
    scheme: 'singpass',
  });
  assert.equal(chooser.res.status, 200, b.visited.join('\n'));
  const done = await b.submit(chooser.url, await chooser.res.text(), '', { persona });
  assert.match(done.url, /\/account\/consents$/, b.visited.join('\n'));
  await done.res.arrayBuffer();
  return b;
}

function heading(html: string): string {
  const m =
    /<h1[\s\S]*?<\/h1>|<legend[^>]*govuk-fieldset__legend--l[\s\S]*?<\/legend>|<label[^>]*govuk-label--l[\s\S]*?<\/label>/.exec(
      html,
    );
  return pageText(m?.[0] ?? '').trim();
}

function step(html: string, serviceId: string): string {
  const id = `id="step-${serviceId.replace(/[^a-z0-9_-]/g, '-')}"`;
  const start = html.indexOf(id);
  assert.ok(start >= 0, `no step ${serviceId}`);
  const rest = html.slice(start + id.length);
  return pageText(rest.slice(0, rest.search(/id="step-|<\/ol>/)));
}

async function startJourney(
  b: TestBrowser,
  event: string,
  date: [string, string, string],
): Promise<TestPage> {
  const choose = await getPage(b, hub.url, '/life-events');
  assert.equal(choose.status, 200);
  return submitPage(b, choose, '/life-events/start', {
    event,
    'eventDate-day': date[0],
    'eventDate-month': date[1],
    'eventDate-year': date[2],
  });
}

test('the chooser offers both business events, each with its name', async () => {
  const b = await signIn('sg-citizen-mid');
  const choose = await getPage(b, hub.url, '/life-events');
  assert.equal(choose.status, 200);
  for (const [id, name] of Object.entries(EVENTS)) {
    assert.match(choose.html, new RegExp(`value="${id}"`));
    assert.match(pageText(choose.html), new RegExp(name.replace(/[()]/g, '\\$&')));
  }
  const preselected = await getPage(b, hub.url, '/life-events?event=starting_a_business_singapore_to_uk');
  assert.match(preselected.html, /value="starting_a_business_singapore_to_uk" checked/);
});

test('the event date is named in its messages: "Enter the date the business starts"', async () => {
  const b = await signIn('sg-citizen-mid');
  const empty = await startJourney(b, 'starting_a_business_uk_to_singapore', ['', '', '']);
  assert.equal(empty.status, 400);
  assert.match(pageText(empty.html), /Enter the date the business starts/);
  const noMonth = await startJourney(b, 'starting_a_business_singapore_to_uk', ['3', '', '2025']);
  assert.equal(noMonth.status, 400);
  assert.match(pageText(noMonth.html), /The date the business starts must include a month/);
});

test('Singapore company setting up a UK subsidiary on 3 February 2025: £50 to incorporate, Corporation Tax by 3 May 2025', async () => {
  const b = await signIn('sg-citizen-mid');
  let page = await startJourney(b, 'starting_a_business_singapore_to_uk', ['3', '2', '2025']);
  const asked: string[] = [];
  for (let i = 0; i < 20 && /\/questions/.test(page.url); i++) {
    assert.equal(page.status, 200, page.html);
    const q = heading(page.html);
    asked.push(q);
    const answer: Record<string, string> =
      q === 'How will you set up the business in the UK?'
        ? { value: 'private_limited_company' }
        : { skip: '1' };
    page = await submitPage(b, page, '/questions', answer);
  }
  assert.ok(asked.includes('How will you set up the business in the UK?'), asked.join('\n'));
  assert.match(page.url, /\/life-events\/journeys\/[0-9a-f-]+$/);
  const incorporate = step(page.html, 'uk.companies_house_incorporation');
  assert.match(incorporate, /Companies House/);
  assert.match(incorporate, /£50/);
  assert.match(step(page.html, 'uk.corporation_tax_registration'), /By 3 May 2025/);
  assert.match(step(page.html, 'uk.register_overseas_company_establishment'), /not eligible/);
  assert.match(step(page.html, 'uk.self_assessment_registration'), /not eligible/);
});

test('the API lists both events and works out a journey: ACRA fees, the GST deadline and Form C-S', async () => {
  const list = await api.inject({ method: 'GET', url: '/api/life-events' });
  assert.equal(list.statusCode, 200);
  const events = (list.json() as { events: { id: string; name: string; services: { id: string }[] }[] })
    .events;
  for (const [id, name] of Object.entries(EVENTS)) {
    const event = events.find((e) => e.id === id);
    assert.ok(event, `no event ${id}`);
    assert.equal(event.name, name);
    assert.ok(event.services.length >= 5);
  }
  const one = await api.inject({
    method: 'GET',
    url: '/api/life-events/starting_a_business_uk_to_singapore',
  });
  assert.equal(one.statusCode, 200);
  const questions = (one.json() as { questions: { factId: string }[] }).questions.map((q) => q.factId);
  assert.ok(questions.includes('sg_business_structure'));
  assert.ok(questions.includes('expected_sg_taxable_turnover_sgd'));

  const res = await api.inject({
    method: 'POST',
    url: journeyUrl('starting_a_business_uk_to_singapore'),
    payload: {
      eventDate: '2025-03-03',
      facts: {
        sg_business_structure: 'private_limited_company',
        expected_sg_taxable_turnover_sgd: 1200000,
        sg_company_annual_revenue_sgd: 800000,
        sg_first_financial_year_end: '2025-12-31',
      },
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  const services = (
    res.json() as {
      services: {
        serviceId: string;
        eligibility: string;
        deadline?: { date?: string };
        amount?: { value?: number; currency: string };
      }[];
    }
  ).services;
  const decision = (id: string) => {
    const s = services.find((x) => x.serviceId === id);
    assert.ok(s, `no decision for ${id}`);
    return s;
  };
  assert.equal(decision('sg.acra_business_registration').amount?.value, 315);
  assert.equal(decision('sg.acra_business_registration').amount?.currency, 'SGD');
  assert.equal(decision('sg.gst_registration').deadline?.date, '2025-04-02');
  assert.equal(decision('sg.corporate_income_tax_form_cs').deadline?.date, '2026-11-30');
  // Residency status not given: whether an EntrePass is needed is still open.
  assert.notEqual(decision('sg.entrepass').eligibility, 'eligible');
  assert.notEqual(decision('sg.entrepass').eligibility, 'not_eligible');
});
