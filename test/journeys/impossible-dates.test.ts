import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptedDates } from '../../src/kernel/index.ts';
import { formatDate } from '../../src/life-events/index.ts';
import { todayInSingapore } from '../../src/web/life-events-api/index.ts';
import { getPage, pageText, submitPage, TestBrowser, type TestPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * Impossible dates through the pages (issue 10): a date outside the dates the rules compute with
 * is refused with the range in the GOV.UK date-input message, and a journey already saved with such
 * a date (or with an answer the rules refuse) shows a page to fix it, never a 500. On SQLite, and on
 * PostgreSQL when DATABASE_URL is set.
 */
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
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

function errorSummary(html: string): string {
  const m = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html);
  return m ? pageText(m[0]).trim() : '';
}

async function start(b: TestBrowser, event: string, date: [string, string, string]): Promise<TestPage> {
  const choose = await getPage(b, hub.url, '/life-events');
  assert.equal(choose.status, 200);
  return submitPage(b, choose, '/life-events/start', {
    event,
    'eventDate-day': date[0],
    'eventDate-month': date[1],
    'eventDate-year': date[2],
  });
}

/** The latest accepted date in words, as the hub computes "today" (Singapore). */
function latestInWords(notFuture = false): string {
  return formatDate(acceptedDates(todayInSingapore(), { notFuture }).latest);
}

test('a date of birth of 31 December 9999 is refused with the range, and nothing is saved', async () => {
  const b = await signIn('sg-citizen-young');
  const page = await start(b, 'having_a_baby', ['31', '12', '9999']);
  assert.equal(page.status, 400);
  assert.equal(
    errorSummary(page.html),
    `There is a problem Date of birth must be between 1 January 1900 and ${latestInWords()}`,
  );
  const year = Number(todayInSingapore().slice(0, 4)) + 10;
  assert.match(latestInWords(), new RegExp(` ${year}$`));
  assert.match(page.html, /href="#eventDate-day"/);
  // Too early: the same message (the lower end), not "Enter a real date".
  const early = await start(b, 'having_a_baby', ['31', '12', '1899']);
  assert.equal(early.status, 400);
  assert.match(errorSummary(early.html), /Date of birth must be between 1 January 1900 and /);
  const list = await getPage(b, hub.url, '/life-events');
  assert.doesNotMatch(pageText(list.html), /Your journeys/);
});

test('a date answer outside the range is refused with the range on the question page', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await start(b, 'death_of_a_loved_one', ['1', '3', '2025']);
  assert.equal(first.status, 200);
  const id = /journeys\/([0-9a-f-]+)\//.exec(first.url)![1]!;
  const q = await getPage(b, hub.url, `/life-events/journeys/${id}/questions?fact=funeral_date`);
  assert.equal(q.status, 200, q.html);
  const refused = await submitPage(b, q, '/questions', {
    fact: 'funeral_date',
    'value-day': '1',
    'value-month': '1',
    'value-year': '9999',
  });
  assert.equal(refused.status, 400);
  assert.match(
    errorSummary(refused.html),
    /^There is a problem The date of the funeral must be between 1 January 1900 and \d{1,2} \w+ \d{4}$/,
  );
});

test('a journey saved with 31 December 9999 shows a page to fix the date, never a 500', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await start(b, 'having_a_baby', ['1', '3', '2025']);
  const id = /journeys\/([0-9a-f-]+)\//.exec(first.url)![1]!;
  // As a row saved before dates were bounded.
  await hub.ctx.storage.db
    .updateTable('journeys')
    .set({ event_date: '9999-12-31' })
    .where('journey_id', '=', id)
    .execute();

  for (const path of [`/life-events/journeys/${id}`, `/life-events/journeys/${id}/questions`]) {
    const page = await getPage(b, hub.url, path);
    assert.equal(page.status, 200, `${path}: ${page.html.slice(0, 400)}`);
    const words = pageText(page.html);
    assert.match(words, /We cannot work out this journey yet/);
    assert.match(
      words,
      new RegExp(
        `Date of birth, 31 December 9999, is not one we can work out a journey for\\. Enter a date between \\d{1,2} \\w+ \\d{4} and ${latestInWords()}\\.`,
      ),
    );
    assert.match(page.html, new RegExp(`action="/life-events/journeys/${id}/date"`));
  }
  const list = await getPage(b, hub.url, '/life-events');
  assert.equal(list.status, 200);
  assert.match(pageText(list.html), /Cannot be worked out/);
  // Tell Us Once from that journey: no 500 either.
  const tell = await getPage(b, hub.url, `/life-events/journeys/${id}/tell`);
  assert.ok(tell.status < 500, `${tell.status} ${pageText(tell.html).slice(0, 400)}`);

  // Another impossible date is refused again, with the range.
  const fix = await getPage(b, hub.url, `/life-events/journeys/${id}`);
  const again = await submitPage(b, fix, '/date', {
    'eventDate-day': '1',
    'eventDate-month': '1',
    'eventDate-year': '3000',
  });
  assert.equal(again.status, 400);
  assert.match(errorSummary(again.html), /Date of birth must be between 1 January 1900 and /);

  // A real date fixes the journey: its page works again, answers kept.
  const fixed = await submitPage(b, again, '/date', {
    'eventDate-day': '1',
    'eventDate-month': '3',
    'eventDate-year': '2025',
  });
  assert.equal(fixed.status, 200, fixed.html.slice(0, 400));
  assert.match(fixed.url, new RegExp(`/life-events/journeys/${id}$`));
  assert.match(pageText(fixed.html), /Having a baby: your journey/);
  assert.match(pageText(fixed.html), /1 March 2025/);
  const row = await hub.ctx.storage.db
    .selectFrom('journeys')
    .select('event_date')
    .where('journey_id', '=', id)
    .executeTakeFirstOrThrow();
  assert.equal(row.event_date, '2025-03-01');
});

test('a journey saved with an answer the rules refuse links to that question, never a 500', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await start(b, 'having_a_baby', ['1', '3', '2025']);
  const id = /journeys\/([0-9a-f-]+)\//.exec(first.url)![1]!;
  await hub.ctx.storage.db
    .updateTable('journeys')
    .set({ answers: JSON.stringify({ child_birth_order: 'second' }) })
    .where('journey_id', '=', id)
    .execute();
  const page = await getPage(b, hub.url, `/life-events/journeys/${id}`);
  assert.equal(page.status, 200, page.html.slice(0, 400));
  assert.match(pageText(page.html), /Some of your answers are not ones we can work out a journey for/);
  const link = `/life-events/journeys/${id}/questions/child_birth_order?return=journey`;
  assert.ok(page.html.includes(`href="${link.replace(/&/g, '&amp;')}"`), page.html);
  // The link asks the question again; a good answer fixes the journey.
  const q = await getPage(b, hub.url, link);
  assert.equal(q.status, 200);
  const answered = await submitPage(b, q, '/questions', { fact: 'child_birth_order', value: '2' });
  assert.notEqual(answered.status, 500);
  const journey = await getPage(b, hub.url, `/life-events/journeys/${id}`);
  assert.equal(journey.status, 200);
  assert.match(pageText(journey.html), /Having a baby: your journey/);
});

test('the journey page links to changing its date', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await start(b, 'having_a_baby', ['1', '3', '2025']);
  const id = /journeys\/([0-9a-f-]+)\//.exec(first.url)![1]!;
  const page = await getPage(b, hub.url, `/life-events/journeys/${id}/date`);
  assert.equal(page.status, 200);
  assert.match(pageText(page.html), /Change the date/);
  assert.match(page.html, /name="eventDate-year"[^>]*value="2025"|value="2025"[^>]*name="eventDate-year"/);
});
