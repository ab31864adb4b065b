import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findForm, getPage, pageText, submitPage, TestBrowser, type TestPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Verified details on a life-event journey (issue "Life events"): offered with the reason, used only
 * after the citizen agrees (a consent recorded for govbridge-life-events), asked for in a national
 * sign-in bound to this browser, kept sealed on the journey, shown with their source, winning over a
 * typed answer, and removed when the consent is withdrawn.
 */
let hub: TestHub;
before(async () => {
  hub = await startTestHub();
});
after(async () => {
  await hub?.close();
});

type Page = TestPage;

const PERSONA = 'sg-citizen-mid';
const PERSONA_DOB = '1979-08-22';

const get = (b: TestBrowser, path: string): Promise<Page> => getPage(b, hub.url, path);

const submit = submitPage;

const text = pageText;

function count(html: string, re: RegExp): number {
  return [...text(html).matchAll(re)].length;
}

async function signIn(persona = PERSONA, scheme = 'singpass'): Promise<TestBrowser> {
  const b = new TestBrowser();
  const start = await get(b, '/account/consents');
  const chooser = await submit(b, start, '/account/sign-in', { scheme });
  const done = await submit(b, chooser, '', { persona });
  assert.match(done.url, /\/account\/consents$/, b.visited.join('\n'));
  return b;
}

/** A new "moving to the UK" journey (the NI number step reads the applicant's date of birth). */
async function startJourney(b: TestBrowser): Promise<{ id: string; page: Page }> {
  const choose = await get(b, '/life-events');
  const q = await submit(b, choose, '/life-events/start', {
    event: 'moving_singapore_to_uk',
    'eventDate-day': '1',
    'eventDate-month': '9',
    'eventDate-year': '2025',
  });
  const id = /\/life-events\/journeys\/([^/]+)\/questions/.exec(q.url)?.[1];
  assert.ok(id, q.url);
  return { id, page: await get(b, `/life-events/journeys/${id}`) };
}

/** Agree on the journey page, choose the persona at the Singpass simulator, back to the journey. */
async function verify(b: TestBrowser, journey: Page, persona = PERSONA, scheme = 'singpass'): Promise<Page> {
  const simulator = await submit(b, journey, '/verified', { scheme, decision: 'agree' });
  assert.match(new URL(simulator.url).pathname, new RegExp(`/simulators/${scheme}/`), b.visited.join('\n'));
  return submit(b, simulator, '', { persona });
}

async function rawVerified(journeyId: string): Promise<string | null | undefined> {
  const row = await hub.ctx.storage.db
    .selectFrom('journeys')
    .select('verified_sealed')
    .where('journey_id', '=', journeyId)
    .executeTakeFirstOrThrow();
  return row.verified_sealed;
}

describe(`verified details on a journey (${testDialect()})`, () => {
  test('agree → Singpass asked for the date of birth → stored sealed, shown with its source, not asked', async () => {
    const b = await signIn();
    const { id, page } = await startJourney(b);
    const offer = text(page.html);
    assert.match(offer, /Use your verified details/);
    assert.match(offer, /Date of birth From Singpass or GOV\.UK One Login/);
    assert.match(offer, /Apply for a National Insurance number/);
    assert.match(offer, /To personalise your life-event journey/i);
    assert.equal(await rawVerified(id), null);

    const back = await verify(b, page);
    assert.equal(new URL(back.url).pathname, `/life-events/journeys/${id}`, b.visited.join('\n'));
    const shown = text(back.html);
    assert.match(shown, /What is your date of birth\? 22 August 1979 \(from Singpass, verified\)/);
    assert.match(shown, /Verified details from Singpass/);
    assert.doesNotMatch(shown, /Use your verified details/);

    // Sealed at rest: the raw column holds neither the value nor the claim name in clear.
    const raw = await rawVerified(id);
    assert.ok(raw, 'verified details stored');
    assert.ok(!raw.includes(PERSONA_DOB) && !raw.includes('birthdate') && !raw.includes('1979'), raw);

    // Not asked: the question page for the verified fact goes on to another question (or the journey).
    const asked = await get(b, `/life-events/journeys/${id}/questions?fact=applicant_birthdate`);
    assert.doesNotMatch(text(asked.html), /What is your date of birth\?/);
    for (let i = 0; i < 10; i++) {
      const q = await get(b, `/life-events/journeys/${id}/questions`);
      if (!/\/questions\/[a-z0-9_]+$/.test(new URL(q.url).pathname)) break;
      assert.doesNotMatch(text(q.html), /What is your date of birth\?/);
      await submit(b, q, '/questions', { skip: '' });
    }

    // The consent is recorded for the hub's life-events purpose, naming the attribute.
    const consents = text((await get(b, '/account/consents')).html);
    assert.match(consents, /To personalise your life-event journey/);
    assert.match(consents, /[Dd]ate of birth/);
  });

  test('an answer the verified value contradicts: the verified value wins and the page says so', async () => {
    const b = await signIn();
    const { id } = await startJourney(b);
    const q = await get(b, `/life-events/journeys/${id}/questions?fact=applicant_birthdate`);
    const answered = await submit(b, q, '/questions', {
      fact: 'applicant_birthdate',
      'value-day': '1',
      'value-month': '1',
      'value-year': '1980',
    });
    assert.ok(answered.status < 400, answered.html);
    const before = await get(b, `/life-events/journeys/${id}`);
    assert.match(text(before.html), /What is your date of birth\? 1 January 1980 \(you told us\)/);

    const after = text((await verify(b, before)).html);
    assert.match(
      after,
      /We used your date of birth from Singpass \(22 August 1979\) instead of the one you entered \(1 January 1980\)\./,
    );
    assert.match(after, /What is your date of birth\? 22 August 1979 \(from Singpass, verified\)/);
  });

  test('declining stores nothing and the question is still asked; agreeing without a choice is explained', async () => {
    const b = await signIn();
    const { id, page } = await startJourney(b);
    const noChoice = await submit(b, page, '/verified', { decision: 'agree' });
    assert.equal(noChoice.status, 400);
    assert.match(text(noChoice.html), /There is a problem.*Select how you want to prove your details/);

    const visitedBefore = b.visited.length;
    const consentsBefore = count((await get(b, '/account/consents')).html, /life-event journey/g);
    const declined = await submit(b, page, '/verified', { scheme: 'singpass', decision: 'decline' });
    assert.equal(new URL(declined.url).pathname, `/life-events/journeys/${id}`);
    assert.match(text(declined.html), /Use your verified details/);
    assert.equal(await rawVerified(id), null);
    assert.ok(
      !b.visited.slice(visitedBefore).some((v) => v.includes('/simulators/')),
      'declining starts no national sign-in',
    );
    assert.equal(count((await get(b, '/account/consents')).html, /life-event journey/g), consentsBefore);
    const asked = await get(b, `/life-events/journeys/${id}/questions?fact=applicant_birthdate`);
    assert.equal(asked.status, 200);
    assert.match(text(asked.html), /What is your date of birth\?/);
  });

  test('withdrawing the consent removes the verified values: the journey asks again', async () => {
    const b = await signIn();
    const { id, page } = await startJourney(b);
    await verify(b, page);
    const second = await startJourney(b);
    await verify(b, second.page);
    assert.ok(await rawVerified(id));
    assert.ok(await rawVerified(second.id));

    const consents = await get(b, '/account/consents');
    const done = await submit(b, consents, '/withdraw', {});
    assert.match(done.url, /withdrawn=1/);
    assert.equal(await rawVerified(id), null);
    assert.equal(await rawVerified(second.id), null);
    const journey = text((await get(b, `/life-events/journeys/${id}`)).html);
    assert.doesNotMatch(journey, /from Singpass, verified/);
    assert.match(journey, /Use your verified details/);
    const asked = await get(b, `/life-events/journeys/${id}/questions?fact=applicant_birthdate`);
    assert.match(text(asked.html), /What is your date of birth\?/);
  });

  test('the citizen may choose GOV.UK One Login instead: the source says so', async () => {
    const b = await signIn('eleanor-whitfield', 'onelogin');
    const { id, page } = await startJourney(b);
    const back = await verify(b, page, 'eleanor-whitfield', 'onelogin');
    assert.equal(new URL(back.url).pathname, `/life-events/journeys/${id}`, b.visited.join('\n'));
    assert.match(
      text(back.html),
      /What is your date of birth\? \d{1,2} \w+ \d{4} \(from GOV\.UK One Login, verified\)/,
    );
    assert.ok(await rawVerified(id));
  });

  test('another account cannot see them, nor attach its own details to the journey', async () => {
    const owner = await signIn();
    const { id, page } = await startJourney(owner);
    await verify(owner, page);

    const other = await signIn('sg-citizen-young');
    const seen = await get(other, `/life-events/journeys/${id}`);
    assert.equal(seen.status, 404);
    assert.doesNotMatch(seen.html, /1979/);

    // The owner agrees but proves someone else's identity at the scheme: nothing is kept.
    const second = await startJourney(owner);
    const wrong = await verify(owner, second.page, 'sg-citizen-young');
    assert.equal(wrong.status, 400);
    assert.match(text(wrong.html), /does not have this journey/);
    assert.equal(await rawVerified(second.id), null);
  });

  test('the verification callback is single-use and bound to the browser that agreed', async () => {
    const b = await signIn();
    const { id, page } = await startJourney(b);
    const simulator = await submit(b, page, '/verified', { scheme: 'singpass', decision: 'agree' });
    const form = findForm(simulator.html, '');
    const stopped = await b.follow(
      new URL(form.action, simulator.url).toString(),
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form.fields, persona: PERSONA }).toString(),
      },
      (location) => location.pathname === '/callback/singpass',
    );
    const callbackUrl = stopped.url;

    // Another browser (another signed-in citizen) replaying it: refused, and the state is not burnt.
    const other = await signIn('sg-citizen-young');
    const replayed = await get(other, new URL(callbackUrl).pathname + new URL(callbackUrl).search);
    assert.equal(replayed.status, 400);
    assert.match(text(replayed.html), /different browser/);
    assert.equal(await rawVerified(id), null);

    // The browser that agreed: kept. Then the same response again: refused (single use).
    const first = await get(b, new URL(callbackUrl).pathname + new URL(callbackUrl).search);
    assert.equal(new URL(first.url).pathname, `/life-events/journeys/${id}`);
    assert.ok(await rawVerified(id));
    const again = await get(b, new URL(callbackUrl).pathname + new URL(callbackUrl).search);
    assert.equal(again.status, 400);
    assert.match(text(again.html), /not valid|already used/);
  });
});
