import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { findForm, getPage, pageText, submitPage, TestBrowser, type TestPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

/**
 * The life-event pages through the whole hub. The citizen signs in the way a person does: on
 * /account/consents, with the Singpass simulator, choosing a persona (headlessly, through the
 * TestBrowser); the hub then sets its signed account cookie.
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

type Page = TestPage;

const get = (b: TestBrowser, path: string): Promise<Page> => getPage(b, hub.url, path);

const submit = submitPage;

const text = pageText;

/** Where the page's back link goes. */
function backHref(html: string): string {
  return /<a href="([^"]*)" class="govuk-back-link"/.exec(html)?.[1] ?? '';
}

function errorSummary(html: string): string {
  const m = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html);
  return m ? text(m[0]).trim() : '';
}

function step(html: string, serviceId: string): string {
  const id = `id="step-${serviceId.replace(/[^a-z0-9_-]/g, '-')}"`;
  const start = html.indexOf(id);
  assert.ok(start >= 0, `no step ${serviceId}`);
  const rest = html.slice(start + id.length);
  const end = rest.search(/id="step-|<\/ol>/);
  return text(rest.slice(0, end));
}

function heading(html: string): string {
  return text(
    /<h1[\s\S]*?<\/h1>|<legend[^>]*govuk-fieldset__legend--l[\s\S]*?<\/legend>|<label[^>]*govuk-label--l[\s\S]*?<\/label>/.exec(
      html,
    )?.[0] ?? '',
  ).trim();
}

const SECOND_CHILD_SG: Record<string, Record<string, string>> = {
  'Where was the baby born?': { value: 'singapore' },
  'Is (or will) the child be a Singapore citizen?': { value: 'yes' },
  "Were the child's parents lawfully married to each other when the child was born?": { value: 'yes' },
  'Which child is this in your family? (1 for your first child, 2 for your second…)': { value: '2' },
};

async function startJourney(b: TestBrowser, event: string, date: [string, string, string]): Promise<Page> {
  const choose = await get(b, '/life-events');
  assert.equal(choose.status, 200);
  return submit(b, choose, '/life-events/start', {
    event,
    'eventDate-day': date[0],
    'eventDate-month': date[1],
    'eventDate-year': date[2],
  });
}

/** Answer the questions from `answers` (by question), skip every other; ends on the journey page. */
async function answerAll(b: TestBrowser, first: Page, answers: Record<string, Record<string, string>>) {
  let page = first;
  const asked: string[] = [];
  for (let i = 0; i < 40 && /\/questions/.test(page.url); i++) {
    assert.equal(page.status, 200, page.html);
    const q = heading(page.html);
    asked.push(q);
    const fields = answers[q] ?? { skip: '1' };
    page = await submit(b, page, '/questions', fields);
  }
  assert.match(page.url, /\/life-events\/journeys\/[0-9a-f-]+$/);
  return { page, asked };
}

test('having a baby: second child, married parents, Singapore → Baby Bonus S$11,000, register by 12 April 2025', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await startJourney(b, 'having_a_baby', ['1', '3', '2025']);
  assert.match(first.url, /\/questions\/[a-z0-9_]+$/);
  const { page, asked } = await answerAll(b, first, SECOND_CHILD_SG);
  // One question per page, each asked once, the rules' questions only.
  assert.equal(new Set(asked).size, asked.length);
  assert.ok(asked.includes('Where was the baby born?'));

  assert.equal(page.status, 200);
  const bonus = step(page.html, 'sg.baby_bonus_cash_gift');
  assert.match(bonus, /Singapore/);
  assert.match(bonus, /Ministry of Social and Family Development/);
  assert.match(bonus, /Likely amount: S\$11,000/);
  // The instalments for this child's birth order and date of birth (issue 13).
  assert.match(bonus, /\$3,000 at birth, \$1,500 at 6 months, \$1,500 at 12 months, \$1,000 at 18 months/);
  assert.match(step(page.html, 'sg.cda_co_matching'), /Likely amount: S\$7,000/);
  assert.match(bonus, /likely to be eligible/);
  assert.match(page.html, /href="https:\/\/www\.madeforfamilies\.gov\.sg\//);

  const register = step(page.html, 'sg.register_birth');
  assert.match(register, /By 12 April 2025/);
  assert.match(register, /Immigration &amp; Checkpoints Authority|Immigration & Checkpoints Authority/);
  assert.match(register, /You can reuse your verified details: name, address\./);
  // Today is past 12 April 2025 and the step is not done.
  assert.match(register, /Overdue/);

  // Born in Singapore: registering in England and Wales is not for them.
  const ukRegister = step(page.html, 'uk.register_birth');
  assert.match(ukRegister, /Cannot do – not eligible/);
  assert.doesNotMatch(ukRegister, /Mark as done|reuse your verified details/);
  // Skipped ("I don't know") → may be eligible, and what is needed links back to the question.
  const benefit = step(page.html, 'uk.child_benefit');
  assert.match(benefit, /may be eligible/);
  // Its deadline (three months after the birth) has passed too: overdue even while still unsure.
  assert.match(benefit, /By 1 June 2025/);
  assert.match(benefit, /Overdue/);
  assert.match(benefit, /We still need to know/);
  // …each question at its own URL; answering it there comes back to the journey.
  assert.match(
    page.html,
    /href="\/life-events\/journeys\/[0-9a-f-]+\/questions\/lives_in_uk\?return=journey"/,
  );
  assert.match(text(page.html), /Progress: 0 done, 15 to do, 5 overdue\./);

  // Mark done → Done, and the progress moves.
  const marked = await submit(b, page, '/steps', { step: 'sg.register_birth', done: 'yes' });
  assert.equal(marked.status, 200);
  assert.match(step(marked.html, 'sg.register_birth'), /Done/);
  assert.doesNotMatch(step(marked.html, 'sg.register_birth'), /Overdue/);
  assert.match(text(marked.html), /Progress: 1 done, 15 to do, 4 overdue\./);
  // …and back to not done.
  const forms = [...marked.html.matchAll(/<form[^>]*action="([^"]*\/steps)"[\s\S]*?<\/form>/g)];
  const registerForm = forms.find((f) => f[0].includes('value="sg.register_birth"'));
  assert.ok(registerForm);
  assert.match(registerForm[0], /name="done" value="no"/);

  // The journey is saved: it is listed with its progress, and resumes.
  const list = await get(b, '/life-events');
  assert.match(text(list.html), /Your journeys/);
  assert.match(text(list.html), /Having a baby, 1 March 2025 1 done, 15 to do, 4 overdue/);
  const resumed = await get(b, new URL(page.url).pathname);
  assert.match(step(resumed.html, 'sg.register_birth'), /Done/);

  // Answering a skipped question later changes the journey.
  const later = await get(b, `${new URL(page.url).pathname}/questions?fact=lives_in_uk`);
  assert.equal(later.status, 200);
  assert.equal(heading(later.html), 'Do you live in the UK?');
  // The rules version, in small print, and recorded on the saved journey.
  const version = hub.ctx.catalogue.version;
  assert.match(version, /^\d{4}-\d{2}-\d{2}\.\d+$/);
  assert.match(text(resumed.html), new RegExp(`Rules version ${version.replaceAll('.', '\\.')}\\.`));
  assert.doesNotMatch(text(resumed.html), /last saved with rules version/);
  assert.match(text(list.html), new RegExp(`Rules version ${version.replaceAll('.', '\\.')}\\.`));
  const journeyId = new URL(page.url).pathname.split('/').at(-1)!;
  const row = await hub.ctx.storage.db
    .selectFrom('journeys')
    .select(['catalogue_version'])
    .where('journey_id', '=', journeyId)
    .executeTakeFirstOrThrow();
  assert.equal(row.catalogue_version, version);
  // A journey last saved under another version says so, and is worked out with the current rules.
  await hub.ctx.storage.db
    .updateTable('journeys')
    .set({ catalogue_version: '2026-01-01.1' })
    .where('journey_id', '=', journeyId)
    .execute();
  const older = await get(b, new URL(page.url).pathname);
  assert.match(
    text(older.html),
    /Your journey was last saved with rules version 2026-01-01\.1; this page uses the current rules\./,
  );
  // …and the next change records the current version again.
  await submit(b, older, '/steps', { step: 'sg.register_birth', done: 'no' });
  const changed = await hub.ctx.storage.db
    .selectFrom('journeys')
    .select(['catalogue_version'])
    .where('journey_id', '=', journeyId)
    .executeTakeFirstOrThrow();
  assert.equal(changed.catalogue_version, version);
});

test('an unknown life event: on the choose page and on start, an error summary, never a 500', async () => {
  const b = await signIn('sg-citizen-young');
  const unknown = await get(b, '/life-events?event=winning_the_lottery');
  assert.equal(unknown.status, 400);
  assert.match(errorSummary(unknown.html), /We do not know that life event/);

  const posted = await startJourney(b, 'winning_the_lottery', ['1', '3', '2025']);
  assert.equal(posted.status, 400);
  assert.match(errorSummary(posted.html), /We do not know that life event/);
  assert.match(posted.html, /<title>Error: /);

  const none = await startJourney(b, '', ['1', '3', '2025']);
  assert.equal(none.status, 400);
  assert.match(errorSummary(none.html), /Select a life event/);

  const preselected = await get(b, '/life-events?event=having_a_baby');
  assert.equal(preselected.status, 200);
  assert.match(preselected.html, /value="having_a_baby" checked/);
});

test('event dates: impossible, future date of death, before the catalogue, missing parts', async () => {
  const b = await signIn('sg-citizen-young');
  const cases: [string, [string, string, string], RegExp][] = [
    ['having_a_baby', ['31', '2', '2025'], /Enter a real date/],
    ['having_a_baby', ['x', '2', '2025'], /Enter a real date/],
    ['having_a_baby', ['', '', ''], /Enter date of birth/],
    ['having_a_baby', ['1', '', '2025'], /Date of birth must include a month/],
    [
      'death_of_a_loved_one',
      ['1', '1', String(new Date().getUTCFullYear() + 1)],
      /Date of death must be today or in the past/,
    ],
  ];
  for (const [event, date, message] of cases) {
    const page = await startJourney(b, event, date);
    assert.equal(page.status, 400, `${event} ${date.join('/')}`);
    assert.match(errorSummary(page.html), message);
    assert.match(page.html, /govuk-error-message/);
  }
});

test('a birth before some services’ rules: the journey is worked out; those steps say from when the rules are held', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await startJourney(b, 'having_a_baby', ['1', '1', '2021']);
  assert.match(first.url, /\/questions\/[a-z0-9_]+$/);
  const { page } = await answerAll(b, first, SECOND_CHILD_SG);
  assert.equal(page.status, 200);
  // Singapore's 42-day LifeSG rule is held from 29 May 2022: not known for a birth in 2021.
  const register = step(page.html, 'sg.register_birth');
  assert.match(register, /Not known – we hold rules for this step from 29 May 2022, after your date/);
  assert.match(
    register,
    /we hold rules for “Register the birth \(LifeSG\)” from 29 May 2022: your date, 1 January 2021, is before that/,
  );
  assert.doesNotMatch(register, /Overdue|By /);
  // The Cash Gift's rules hold from 2015: worked out (second child born 2021 → S$8,000).
  const bonus = step(page.html, 'sg.baby_bonus_cash_gift');
  assert.match(bonus, /Likely amount: S\$8,000/);
  // The date page accepts the early date too.
  const date = await get(b, `${new URL(page.url).pathname}/date`);
  assert.equal(date.status, 200);
  assert.doesNotMatch(text(date.html), /cannot work out/);
});

test('malformed answers: a message on the question page, GOV.UK wording, nothing stored', async () => {
  const b = await signIn('sg-citizen-mid');
  const first = await startJourney(b, 'having_a_baby', ['1', '3', '2025']);
  const base = new URL(first.url).pathname.replace(/\/[a-z0-9_]+$/, '');
  const ask = (fact: string) => get(b, `${base}/${fact}`);

  const cases: [string, Record<string, string>, RegExp][] = [
    ['child_birth_order', { value: 'two' }, /Enter a number/],
    ['child_birth_order', { value: '1.5' }, /Enter a whole number/],
    ['child_birth_order', { value: '0' }, /must be 1 or more/],
    ['adjusted_net_income', { value: '-5' }, /Income must be 0 or more/],
    ['adjusted_net_income', { value: '£lots' }, /Enter a number/],
    ['parents_married', { value: 'maybe' }, /Select yes or no/],
    ['parents_married', {}, /Select yes or no/],
    ['birth_place', { value: 'mars' }, /Select one option/],
  ];
  for (const [fact, fields, message] of cases) {
    const page = await ask(fact);
    assert.equal(page.status, 200);
    const answered = await submit(b, page, '/questions', fields);
    assert.equal(answered.status, 400, `${fact} ${JSON.stringify(fields)}`);
    assert.match(errorSummary(answered.html), message);
    assert.match(answered.html, /<title>Error: /);
    assert.match(answered.html, /govuk-error-message/);
  }
  // Nothing malformed was stored: the question comes back empty.
  const again = await ask('child_birth_order');
  assert.match(again.html, /<input[^>]*id="value"[^>]*>/);
  assert.doesNotMatch(/<input[^>]*id="value"[^>]*>/.exec(again.html)![0], /value="(two|1\.5|0)"/);

  // The income question shows £ as a prefix; a good answer is accepted.
  const income = await ask('adjusted_net_income');
  assert.match(income.html, /govuk-input__prefix[^>]*>£</);
  const ok = await submit(b, income, '/questions', { value: '60,000' });
  assert.equal(ok.status, 200);

  // A question that is not part of this journey: its page is not found (a GOV.UK 404 page), and an
  // answer to it is refused, at its own URL (404) and in the old form's hidden field (400).
  const page = await ask('parents_married');
  const legacy = {
    ...page,
    html: page.html.replace(/action="[^"]*\/questions\/parents_married"/, `action="${base}"`),
  };
  const foreign = await submit(b, legacy, '/questions', { fact: 'monthly_fixed_salary_sgd', value: '1' });
  assert.equal(foreign.status, 400);
  const forged = {
    ...page,
    html: page.html.replace(/\/questions\/parents_married"/, '/questions/monthly_fixed_salary_sgd"'),
  };
  const foreignHere = await submit(b, forged, '/questions', { value: '1' });
  assert.equal(foreignHere.status, 404);
  for (const fact of ['monthly_fixed_salary_sgd', 'no_such_question', '..%2F..%2Faccount']) {
    const notHere = await ask(fact);
    assert.equal(notHere.status, 404, fact);
    assert.match(notHere.html, /Page not found/);
  }
});

test('dates in answers: impossible and future dates of death registration', async () => {
  const b = await signIn('sg-citizen-mid');
  const first = await startJourney(b, 'death_of_a_loved_one', ['3', '2', '2025']);
  assert.match(first.url, /\/questions\/[a-z0-9_]+$/);
  const page = await get(b, new URL(first.url).pathname.replace(/\/[a-z0-9_]+$/, '/death_registration_date'));
  const impossible = await submit(b, page, '/questions', {
    'value-day': '30',
    'value-month': '2',
    'value-year': '2025',
  });
  assert.equal(impossible.status, 400);
  assert.match(errorSummary(impossible.html), /Enter a real date/);
  const future = await submit(b, page, '/questions', {
    'value-day': '1',
    'value-month': '1',
    'value-year': String(new Date().getUTCFullYear() + 1),
  });
  assert.equal(future.status, 400);
  assert.match(errorSummary(future.html), /must be today or in the past/);
  const ok = await submit(b, page, '/questions', {
    'value-day': '4',
    'value-month': '2',
    'value-year': '2025',
  });
  assert.equal(ok.status, 200);
});

test("another account's journey, or an unknown id, is 404; signed out is asked to sign in", async () => {
  const owner = await signIn('sg-citizen-young');
  const first = await startJourney(owner, 'having_a_baby', ['1', '3', '2025']);
  const path = new URL(first.url).pathname.replace(/\/questions\/[a-z0-9_]+$/, '');
  const ownerPage = await get(owner, path);
  assert.equal(ownerPage.status, 200);

  const other = await signIn('sg-citizen-senior');
  for (const p of [
    path,
    `${path}/questions`,
    `${path}/questions/birth_place`,
    '/life-events/journeys/00000000-0000-4000-8000-000000000000',
    '/life-events/journeys/nonsense',
  ]) {
    const page = await get(other, p);
    assert.equal(page.status, 404, p);
    assert.match(page.html, /Page not found/);
  }
  // Posting with the other account's own CSRF token is refused as not found too.
  const mine = await get(other, '/life-events');
  const forged = mine.html.replace('action="/life-events/start"', `action="${path}/steps"`);
  const posted = await submit(other, { ...mine, html: forged }, '/steps', {
    step: 'sg.register_birth',
    done: 'yes',
  });
  assert.equal(posted.status, 404);
  assert.doesNotMatch(step((await get(owner, path)).html, 'sg.register_birth'), /Done/);
  assert.doesNotMatch(text((await get(other, '/life-events')).html), /Your journeys/);

  const anonymous = new TestBrowser();
  const signedOut = await get(anonymous, path);
  assert.equal(signedOut.status, 200);
  assert.match(heading(signedOut.html), /Sign in to plan a life event/);
  assert.match(signedOut.html, /href="\/account\/consents"/);
});

test('one URL per question: back to the previous question; Change from the journey page comes back to it', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await startJourney(b, 'having_a_baby', ['1', '3', '2025']);
  const journey = new URL(first.url).pathname.replace(/\/questions\/[a-z0-9_]+$/, '');
  assert.equal(new URL(first.url).pathname, `${journey}/questions/birth_place`);
  // The first question's back link goes to the journey (where the date can be changed).
  assert.equal(backHref(first.html), `${journey}`);
  const second = await submit(b, first, '/questions', { value: 'singapore' });
  assert.match(second.url, /\/questions\/[a-z0-9_]+$/);
  assert.notEqual(new URL(second.url).pathname, `${journey}/questions/birth_place`);
  // The next question's back link goes to the question before it, not to browser history.
  assert.equal(backHref(second.html), `${journey}/questions/birth_place`);
  const third = await submit(b, second, '/questions', { skip: '1' });
  const secondFact = /\/questions\/([a-z0-9_]+)$/.exec(second.url)![1]!;
  assert.equal(backHref(third.html), `${journey}/questions/${secondFact}`);

  // The journey page lists the answers, each with a Change link naming it for screen readers.
  const page = await get(b, journey);
  assert.equal(page.status, 200);
  assert.match(
    text(page.html),
    /Where was the baby born\? Singapore \(you told us\) Change where was the baby born/,
  );
  assert.match(
    page.html,
    new RegExp(
      `href="${journey}/questions/birth_place\\?return=journey">\\s*Change<span class="govuk-visually-hidden"> where was the baby born</span>`,
    ),
  );
  // A skipped answer can be given later from there too.
  assert.match(text(page.html), /You said you do not know Change/);
  const change = await get(b, `${journey}/questions/birth_place?return=journey`);
  assert.equal(change.status, 200);
  assert.match(change.html, /<input type="hidden" name="return" value="journey">/);
  assert.match(change.html, /value="singapore" checked/);
  assert.equal(backHref(change.html), `${journey}#details-used`);
  const changed = await submit(b, change, '/questions', { value: 'england_wales' });
  assert.equal(changed.status, 200);
  assert.equal(new URL(changed.url).pathname, journey);
  assert.match(text(changed.html), /Where was the baby born\? England or Wales \(you told us\)/);
  // A wrong answer on the way stays on the question, still on its way back.
  const wrong = await submit(b, change, '/questions', { value: 'mars' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.html, /<input type="hidden" name="return" value="journey">/);
});

test('a hostile return value is ignored: never a redirect off the journey', async () => {
  const b = await signIn('sg-citizen-young');
  const first = await startJourney(b, 'having_a_baby', ['1', '3', '2025']);
  const journey = new URL(first.url).pathname.replace(/\/questions\/[a-z0-9_]+$/, '');
  for (const hostile of [
    'https://evil.example/',
    '//evil.example',
    '/account/consents',
    'journey\r\nX: y',
    'JOURNEY',
  ]) {
    const q = await get(b, `${journey}/questions/birth_place?return=${encodeURIComponent(hostile)}`);
    assert.equal(q.status, 200, hostile);
    assert.doesNotMatch(q.html, /name="return"/, hostile);
    assert.doesNotMatch(q.html, /evil\.example/, hostile);
    // Posted in the form instead: the answer is kept and the questions go on, here.
    const form = findForm(q.html, '/questions/birth_place');
    const res = await b.request(new URL(form.action, hub.url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form.fields, return: hostile, value: 'singapore' }).toString(),
    });
    const location = res.headers.get('location') ?? '';
    await res.arrayBuffer();
    assert.equal(res.status, 303, hostile);
    assert.equal(location, `${journey}/questions`, hostile);
  }
});
