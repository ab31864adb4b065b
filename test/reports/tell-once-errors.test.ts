import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JourneyStore } from '../../src/life-events/index.ts';
import { findForm, submitPage, type TestBrowser, type TestPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import {
  card,
  errorLinks,
  errorSummary,
  get,
  post,
  send,
  signIn,
  startJourney,
  testAgency,
  text,
  verify,
} from './support.ts';

/**
 * "Tell government once" with bad input: every mistake is a GOV.UK error summary (400) on the page
 * or a GOV.UK error page (4xx), never a 500, and nothing is sent. The hub's demo agencies receive
 * the reports (they subscribe to every event type).
 */
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

const DEATH_ANSWERS = {
  deceased_name: 'LIM BENG HUAT',
  'deceased_birthdate-day': '2',
  'deceased_birthdate-month': '1',
  'deceased_birthdate-year': '1940',
  informant_name: 'LIM MEI LING',
};

async function deathTell(b: TestBrowser, answers: Record<string, string> = {}) {
  const id = await startJourney(hub, b, 'death_of_a_loved_one', ['1', '3', '2025'], answers);
  return { id, tell: await get(hub, b, `/life-events/journeys/${id}/tell`) };
}

async function reportCount(): Promise<number> {
  return (await hub.ctx.storage.db.selectFrom('reports').select('report_id').execute()).length;
}

/** The check page's "Change your answers" form (it posts back to …/tell with intent=change). */
function changeForm(page: TestPage): TestPage {
  const chunk = page.html.split('<form').find((f) => f.includes('name="intent" value="change"'));
  assert.ok(chunk, 'a change form');
  return { ...page, html: `<form${chunk}` };
}

describe(`tell government once: bad input (${testDialect()})`, () => {
  test('a death: the journey gives the date, place and relationship; the rest is asked', async () => {
    const b = await signIn(hub);
    const { tell } = await deathTell(b, { death_place: 'scotland', relationship_to_deceased: 'child' });
    const shown = text(tell.html);
    assert.match(shown, /Date of death 1 March 2025 \(from your journey\)/);
    assert.match(shown, /Country where they died United Kingdom \(from your journey\)/);
    assert.match(shown, /Your relationship to them Son or daughter \(from your journey\)/);
    assert.match(shown, /Full name of the person who died/);
    assert.match(shown, /Their date of birth/);
    assert.doesNotMatch(shown, /Country where they died \(optional\)/);
    assert.doesNotMatch(shown, /Your relationship to the person who died/);
  });

  test('missing answers: an error summary naming each, linked to its field', async () => {
    const b = await signIn(hub);
    const { tell } = await deathTell(b);
    const before = await reportCount();
    const page = await submitPage(b, tell, '/tell', {});
    assert.equal(page.status, 400);
    assert.deepEqual(errorLinks(page.html), [
      ['Enter the full name of the person who died', '#deceased_name'],
      ['Enter their date of birth', '#deceased_birthdate-day'],
      ['Enter your full name', '#informant_name'],
    ]);
    assert.match(page.html, /<title>Error: Tell government once/);
    assert.match(page.html, /govuk-error-message/);
    assert.equal(await reportCount(), before);
  });

  test('an impossible date, a date of birth in the future, a bad email, an unknown country', async () => {
    const b = await signIn(hub);
    const { tell } = await deathTell(b, { death_place: 'elsewhere' });
    const impossible = await submitPage(b, tell, '/tell', {
      ...DEATH_ANSWERS,
      'deceased_birthdate-day': '31',
      'deceased_birthdate-month': '2',
    });
    assert.equal(impossible.status, 400);
    assert.deepEqual(errorLinks(impossible.html), [['Enter a real date', '#deceased_birthdate-day']]);
    // What was typed is shown again.
    assert.match(impossible.html, /name="deceased_name" type="text" value="LIM BENG HUAT"/);

    const partial = await submitPage(b, tell, '/tell', { ...DEATH_ANSWERS, 'deceased_birthdate-month': '' });
    assert.deepEqual(errorLinks(partial.html), [
      ['Their date of birth must include a month', '#deceased_birthdate-month'],
    ]);

    const future = await submitPage(b, tell, '/tell', {
      ...DEATH_ANSWERS,
      'deceased_birthdate-year': '2999',
    });
    assert.equal(future.status, 400);
    assert.match(errorSummary(future.html), /Their date of birth must be today or in the past/);

    const email = await submitPage(b, tell, '/tell', { ...DEATH_ANSWERS, informant_email: 'mei-at-example' });
    assert.equal(email.status, 400);
    assert.deepEqual(errorLinks(email.html), [
      ['Enter an email address in the correct format, like name@example.com', '#informant_email'],
    ]);

    const country = await submitPage(b, tell, '/tell', { ...DEATH_ANSWERS, place_of_death: 'Narnia' });
    assert.equal(country.status, 400);
    assert.match(errorSummary(country.html), /Enter a real country, like Malaysia/);

    const malaysia = await submitPage(b, tell, '/tell', { ...DEATH_ANSWERS, place_of_death: 'malaysia' });
    assert.equal(malaysia.status, 200, errorSummary(malaysia.html));
    assert.match(text(malaysia.html), /Country where they died Malaysia \(you told us\)/);
  });

  test('a death before the birth is explained on the date of birth', async () => {
    const b = await signIn(hub);
    const { tell } = await deathTell(b);
    const page = await submitPage(b, tell, '/tell', {
      ...DEATH_ANSWERS,
      'deceased_birthdate-day': '2',
      'deceased_birthdate-month': '3',
      'deceased_birthdate-year': '2025',
    });
    assert.equal(page.status, 400);
    assert.deepEqual(errorLinks(page.html), [
      [
        'Their date of birth must be the same as or before the date they died (1 March 2025)',
        '#deceased_birthdate-day',
      ],
    ]);
  });

  test('a date of death in the future: explained, and a post is refused with an error summary', async () => {
    const b = await signIn(hub);
    const { id } = await deathTell(b);
    const accountId = (
      await hub.ctx.storage.db
        .selectFrom('journeys')
        .select('account_id')
        .where('journey_id', '=', id)
        .executeTakeFirstOrThrow()
    ).account_id;
    // The start page refuses a future date of death; a journey saved with one (say, before a fix)
    // is still not reported.
    const store = new JourneyStore(hub.ctx.storage);
    const future = await store.create({
      accountId,
      eventId: 'death_of_a_loved_one',
      eventDate: '2999-01-01',
    });
    const page = await get(hub, b, `/life-events/journeys/${future.journeyId}/tell`);
    assert.equal(page.status, 200);
    assert.match(text(page.html), /The date of death on your journey, 1 January 2999, is in the future/);
    assert.doesNotMatch(page.html, /<form method="post" action="[^"]*\/tell"/);

    const csrf = findForm((await get(hub, b, `/life-events/journeys/${id}/tell`)).html, '/tell').fields;
    const posted = await post(
      b,
      {
        ...page,
        html: `<form action="/life-events/journeys/${future.journeyId}/tell">${Object.entries(csrf)
          .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
          .join('')}</form>`,
      },
      '/tell',
      DEATH_ANSWERS,
    );
    assert.equal(posted.status, 400);
    assert.match(
      errorSummary(posted.html),
      /There is a problem The date of death on your journey, 1 January 2999, is in the future/,
    );
  });

  test('wrong CSRF token: the "form has expired" page (403), nothing sent', async () => {
    const b = await signIn(hub);
    const { tell } = await deathTell(b);
    const before = await reportCount();
    const bad = await submitPage(b, tell, '/tell', { ...DEATH_ANSWERS, _csrf: 'not-the-token' });
    assert.equal(bad.status, 403);
    assert.match(text(bad.html), /This form has expired/);

    const check = await submitPage(b, tell, '/tell', DEATH_ANSWERS);
    assert.equal(check.status, 200, errorSummary(check.html));
    const confirm = await post(b, check, '/tell/confirm', { _csrf: 'not-the-token' });
    assert.equal(confirm.status, 403);
    assert.match(text(confirm.html), /This form has expired/);
    assert.equal(await reportCount(), before);
  });

  test('a changed review, submission key or journey: refused (400), nothing sent', async () => {
    const b = await signIn(hub);
    const { id, tell } = await deathTell(b);
    const check = await submitPage(b, tell, '/tell', DEATH_ANSWERS);
    assert.equal(check.status, 200, errorSummary(check.html));
    const form = findForm(check.html, '/tell/confirm');
    const review = form.fields['review']!;
    const before = await reportCount();

    const flipped = review.slice(0, 20) + (review[20] === 'A' ? 'B' : 'A') + review.slice(21);
    const tampered: Record<string, string>[] = [
      { review: flipped },
      { review: '' },
      { submissionKey: 'another-key-0123456789' },
      { submissionKey: '' },
    ];
    for (const fields of tampered) {
      const page = await post(b, check, '/tell/confirm', fields);
      assert.equal(page.status, 400, JSON.stringify(fields));
      assert.match(text(page.html), /There is a problem with your request/);
      assert.match(text(page.html), /nothing was sent/);
    }

    // The same review posted to another journey of the same account.
    const other = await deathTell(b);
    const moved = await post(
      b,
      {
        ...check,
        html: check.html.replaceAll(
          `/life-events/journeys/${id}/tell/confirm`,
          `/life-events/journeys/${other.id}/tell/confirm`,
        ),
      },
      '/tell/confirm',
      {},
    );
    assert.equal(moved.status, 400);
    assert.equal(await reportCount(), before);

    // The untouched review still sends.
    const sent = await send(b, check);
    assert.match(new URL(sent.url).pathname, /^\/life-events\/reports\/rpt_/);
    assert.equal(await reportCount(), before + 1);
  });

  test('"Change your answers" shows the reviewed answers again', async () => {
    const b = await signIn(hub);
    const { tell } = await deathTell(b, { death_place: 'elsewhere' });
    const check = await submitPage(b, tell, '/tell', {
      ...DEATH_ANSWERS,
      place_of_death: 'MY',
      informant_email: 'mei@example.sg',
    });
    assert.equal(check.status, 200, errorSummary(check.html));
    const again = await submitPage(b, changeForm(check), '/tell', {});
    assert.equal(again.status, 200);
    assert.match(again.html, /name="deceased_name" type="text" value="LIM BENG HUAT"/);
    assert.match(again.html, /name="deceased_birthdate-year" type="text" value="1940"/);
    assert.match(again.html, /name="place_of_death" type="text" value="Malaysia"/);
    assert.match(again.html, /value="mei@example.sg"/);
  });

  test('verified details withdrawn between checking and sending: nothing verified is sent, the citizen is asked', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['1', '9', '2025']);
    await verify(hub, b, id);
    const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
    const check = await submitPage(b, tell, '/tell', {
      name: 'TAN AH KOW',
      new_address: '1 Horse Guards Road, London SW1A 2HQ',
    });
    assert.equal(check.status, 200, errorSummary(check.html));
    assert.match(text(check.html), /22 August 1979 \(from Singpass, verified\)/);

    const consents = await get(hub, b, '/account/consents');
    const withdrawn = await submitPage(b, consents, '/withdraw', {});
    assert.match(withdrawn.url, /withdrawn=1/);

    const before = await reportCount();
    const page = await send(b, check);
    assert.equal(page.status, 400);
    assert.deepEqual(errorLinks(page.html), [['Enter your date of birth', '#birthdate-day']]);
    assert.equal(await reportCount(), before);
  });

  test('the agencies changed between checking and sending: checked again (409), then sent as shown', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_uk_to_singapore', ['2', '3', '2026']);
    const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
    const check = await submitPage(b, tell, '/tell', {
      name: 'ELEANOR WHITFIELD',
      'birthdate-day': '4',
      'birthdate-month': '7',
      'birthdate-year': '1988',
      new_address: '1 Marina Boulevard, Singapore 018989',
    });
    assert.equal(check.status, 200, errorSummary(check.html));
    assert.equal(card(check.html, 'Agency uk_late_test'), '');

    // An agency joins before the citizen presses Send: it was not on the page, so nothing is sent.
    const late = await testAgency(hub, 'uk_late_test', [
      { eventType: 'moving-abroad', attributes: ['name'] },
    ]);
    try {
      const before = await reportCount();
      const again = await send(b, check);
      assert.equal(again.status, 409);
      assert.match(text(again.html), /Something changed since you checked, so nothing has been sent yet/);
      assert.equal(
        card(again.html, 'Agency uk_late_test'),
        'Agency uk_late_test Full name ELEANOR WHITFIELD (you told us)',
      );
      assert.equal(await reportCount(), before);
      const sent = await send(b, again);
      assert.match(new URL(sent.url).pathname, /^\/life-events\/reports\/rpt_/);
      assert.match(text(sent.html), /Agency uk_late_test Full name/);
    } finally {
      await hub.ctx.notifications.agencies.setStatus('uk_late_test', 'suspended');
      await late.close();
    }
  });

  test('unknown journey, another account’s journey or report: page not found (404)', async () => {
    const owner = await signIn(hub);
    const { id, tell } = await deathTell(owner);
    const check = await submitPage(owner, tell, '/tell', DEATH_ANSWERS);
    const sent = await send(owner, check);
    const statusPath = new URL(sent.url).pathname;
    assert.match(statusPath, /^\/life-events\/reports\/rpt_/);

    const other = await signIn(hub, 'sg-citizen-young');
    for (const path of [
      statusPath,
      `/life-events/journeys/${id}/tell`,
      '/life-events/journeys/00000000-0000-4000-8000-000000000000/tell',
      '/life-events/reports/rpt_doesnotexist',
      '/life-events/reports/rpt_not.an.id',
    ]) {
      const page = await get(hub, other, path);
      assert.equal(page.status, 404, path);
      assert.match(text(page.html), /Page not found/, path);
      assert.doesNotMatch(page.html, /LIM BENG HUAT/);
    }
    // An id longer than any route parameter: Fastify's "web address is too long" page.
    const long = await get(hub, other, `/life-events/reports/${'x'.repeat(200)}`);
    assert.equal(long.status, 414);
    assert.match(text(long.html), /There is a problem with your request/);
    // Posting another account's journey: not found either.
    const otherTell = await deathTell(other);
    const posted = await post(
      other,
      {
        ...otherTell.tell,
        html: otherTell.tell.html.replaceAll(
          `/life-events/journeys/${otherTell.id}/tell`,
          `/life-events/journeys/${id}/tell`,
        ),
      },
      '/tell',
      DEATH_ANSWERS,
    );
    assert.equal(posted.status, 404);
  });

  test('signed out: the sign-in page, not the report', async () => {
    const owner = await signIn(hub);
    const { tell } = await deathTell(owner);
    const check = await submitPage(owner, tell, '/tell', DEATH_ANSWERS);
    const sent = await send(owner, check);
    const statusPath = new URL(sent.url).pathname;
    const res = await fetch(`${hub.url}${statusPath}`, { redirect: 'manual' });
    const html = await res.text();
    assert.match(text(html), /Sign in to plan a life event/);
    assert.doesNotMatch(html, /LIM BENG HUAT|Who we have told/);
  });
});
