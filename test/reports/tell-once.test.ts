import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { submitPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import type { TestReceiver } from '../support/receiver.ts';
import { testDialect } from '../support/storage.ts';
import {
  card,
  errorSummary,
  get,
  send,
  signIn,
  startJourney,
  statusRow,
  testAgency,
  text,
  verify,
  waitForPage,
} from './support.ts';

/**
 * "Tell government once" through the whole hub (issue "Report once"): a signed-in citizen goes from
 * a life-event journey through tell → check before you send → send → status, and the status page
 * follows the real delivery worker: delivered (when), not delivered yet (trying again), needs action.
 */
let hub: TestHub;
let ukMove: TestReceiver;
let sgMove: TestReceiver;
let sgBirthDown: TestReceiver;

before(async () => {
  hub = await startTestHub();
  ukMove = await testAgency(hub, 'uk_tell_test', [
    {
      eventType: 'moving-abroad',
      attributes: ['name', 'birthdate', 'date_of_move', 'to_country', 'new_address', 'email'],
    },
    { eventType: 'birth', attributes: ['child_name', 'child_birthdate', 'parent_name'] },
  ]);
  sgMove = await testAgency(
    hub,
    'sg_tell_test',
    [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'nationalities', 'from_country', 'previous_address'],
      },
    ],
    { country: 'SG', name: 'Singapore test agency' },
  );
  // Answers 500 twice and gives up after two attempts: "not delivered yet", then "needs action".
  sgBirthDown = await testAgency(
    hub,
    'sg_birth_down',
    [{ eventType: 'birth', attributes: ['child_name', 'child_birthdate', 'place_of_birth'] }],
    {
      country: 'SG',
      name: 'Singapore births test agency',
      maxAttempts: 2,
      website: 'https://www.ica.gov.sg',
    },
  );
  sgBirthDown.script = () => ({ status: 500 });
});

after(async () => {
  await hub?.close();
  await ukMove?.close();
  await sgMove?.close();
  await sgBirthDown?.close();
});

describe(`tell government once (${testDialect()})`, () => {
  test('moving to the UK: tell → check (per agency, with sources) → send → delivered; a double submit is one report', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['1', '9', '2025']);
    await verify(hub, b, id);

    // The journey page offers it.
    const journey = await get(hub, b, `/life-events/journeys/${id}`);
    assert.match(text(journey.html), /Tell government once/);
    assert.ok(journey.html.includes(`href="/life-events/journeys/${id}/tell"`));

    // The question page asks only for what the journey does not have.
    const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
    assert.equal(tell.status, 200);
    const shown = text(tell.html);
    assert.match(shown, /What we already know/);
    assert.match(shown, /Date of birth 22 August 1979 \(from Singpass, verified\)/);
    assert.match(shown, /Date of the move 1 September 2025 \(from your journey\)/);
    assert.match(shown, /Country you are moving to United Kingdom \(from your journey\)/);
    assert.match(shown, /Your full name/);
    assert.match(shown, /Your new address in the United Kingdom/);
    assert.match(shown, /Your nationalities \(optional\)/);
    assert.doesNotMatch(shown, /Your date of birth/);
    assert.ok(tell.html.includes('name="csrf') || tell.html.includes('name="_csrf"'));

    // Missing required answers: a GOV.UK error summary, 400.
    const empty = await submitPage(b, tell, '/tell', {});
    assert.equal(empty.status, 400);
    assert.match(
      errorSummary(empty.html),
      /There is a problem.*Enter your full name.*Enter your new address/,
    );
    assert.match(empty.html, /<title>Error: /);

    const check = await submitPage(b, tell, '/tell', {
      name: 'TAN AH KOW',
      new_address: '1 Horse Guards Road\r\nLondon SW1A 2HQ',
      previous_address: '10 Anson Road, Singapore 079903',
      nationalities: 'SG',
      'nationalities-other': 'Malaysia',
      email: 'tan@example.sg',
    });
    assert.equal(check.status, 200, errorSummary(check.html));
    const c = text(check.html);
    assert.match(c, /Check before you send/);
    assert.match(c, /United Kingdom.*Singapore/);
    // Exactly what each agency receives, with where each value came from.
    assert.equal(
      card(check.html, 'Agency uk_tell_test'),
      'Agency uk_tell_test Full name TAN AH KOW (you told us) Date of birth 22 August 1979 (from Singpass, verified) ' +
        'Date of the move 1 September 2025 (from your journey) Country you are moving to United Kingdom (from your journey) ' +
        'New address 1 Horse Guards Road, London SW1A 2HQ (you told us) Email address tan@example.sg (you told us)',
    );
    assert.equal(
      card(check.html, 'Singapore test agency'),
      'Singapore test agency Full name TAN AH KOW (you told us) Nationalities Singapore, Malaysia (you told us) ' +
        'Country you are leaving Singapore (from your journey) Address before the move 10 Anson Road, Singapore 079903 (you told us)',
    );
    assert.match(c, /Details marked “from Singpass, verified”/);
    assert.equal(check.status, 200);

    // Send: 303 to the status page.
    const sent = await send(b, check);
    const statusPath = new URL(sent.url).pathname;
    assert.match(statusPath, /^\/life-events\/reports\/rpt_[A-Za-z0-9_-]+$/, b.visited.join('\n'));
    assert.match(b.visited.at(-2)!, /POST .*\/tell\/confirm → 303/);
    assert.equal(sent.status, 200);
    assert.match(text(sent.html), /Who we have told/);
    assert.match(text(sent.html), /Refresh this page/);
    assert.doesNotMatch(sent.html, /http-equiv="refresh"/i);

    // The worker delivers: the status page says so, with when.
    const delivered = await waitForPage(hub, b, statusPath, (p) =>
      /Delivered on \d{1,2} \w+ \d{4} at \d{1,2}(:\d{2})?[ap]m \(UK time\)/.test(
        statusRow(p.html, 'Agency uk_tell_test'),
      ),
    );
    assert.match(
      statusRow(delivered.html, 'Agency uk_tell_test'),
      /^Agency uk_tell_test Full name, Date of birth, Date of the move, Country you are moving to, New address, Email address Delivered Delivered on/,
    );
    await waitForPage(hub, b, statusPath, (p) =>
      /Delivered on .*\(Singapore time\)/.test(statusRow(p.html, 'Singapore test agency')),
    );

    // Each agency got exactly its fields, with the values reviewed.
    assert.equal(ukMove.events.length, 1);
    assert.deepEqual(ukMove.events[0]!.attributes, {
      name: 'TAN AH KOW',
      birthdate: '1979-08-22',
      date_of_move: '2025-09-01',
      to_country: 'GB',
      new_address: '1 Horse Guards Road\nLondon SW1A 2HQ',
      email: 'tan@example.sg',
    });
    assert.deepEqual(sgMove.events[0]!.attributes, {
      name: 'TAN AH KOW',
      nationalities: ['SG', 'MY'],
      from_country: 'SG',
      previous_address: '10 Anson Road, Singapore 079903',
    });

    // A double submit (the same check page sent again) is the same report.
    const again = await send(b, check);
    assert.equal(new URL(again.url).pathname, statusPath);
    const accountReports = await hub.ctx.storage.db
      .selectFrom('reports')
      .select('report_id')
      .where('journey_id', '=', id)
      .execute();
    assert.equal(accountReports.length, 1);
    assert.equal(ukMove.events.length, 1);

    // The journey page lists it, linking to its status page.
    const after = await get(hub, b, `/life-events/journeys/${id}`);
    assert.ok(after.html.includes(`href="${statusPath}"`), 'the journey links to the report');
    assert.match(text(after.html), /Your reports Report sent on \d{1,2} \w+ \d{4}\s*: \d+ delivered/);
  });

  test('pages with personal data are not cached', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_uk_to_singapore', ['2', '3', '2026']);
    const res = await b.request(`${hub.url}/life-events/journeys/${id}/tell`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    // Moving to Singapore: from GB to SG, and asked for the UK address before the move.
    assert.match(text(html), /Country you are moving to Singapore \(from your journey\)/);
    assert.match(text(html), /Your new address in Singapore/);
  });

  test('a birth: the status page shows "not delivered yet — trying again", then "needs action" with the agency website', async () => {
    const b = await signIn(hub, 'sg-citizen-young');
    const id = await startJourney(hub, b, 'having_a_baby', ['1', '3', '2025'], { birth_place: 'singapore' });
    const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
    assert.match(text(tell.html), /Country of birth Singapore \(from your journey\)/);
    assert.match(text(tell.html), /The baby’s date of birth 1 March 2025 \(from your journey\)/);
    const check = await submitPage(b, tell, '/tell', { child_name: 'TAN XIAO MING', parent_name: 'TAN MEI' });
    assert.equal(check.status, 200, errorSummary(check.html));
    assert.equal(
      card(check.html, 'Singapore births test agency'),
      'Singapore births test agency The baby’s name TAN XIAO MING (you told us) ' +
        'The baby’s date of birth 1 March 2025 (from your journey) Country of birth Singapore (from your journey)',
    );
    const sent = await send(b, check);
    const statusPath = new URL(sent.url).pathname;
    assert.match(statusPath, /^\/life-events\/reports\//);

    const retrying = await waitForPage(hub, b, statusPath, (p) =>
      /Not delivered yet/.test(statusRow(p.html, 'Singapore births test agency')),
    );
    assert.match(
      statusRow(retrying.html, 'Singapore births test agency'),
      /Not delivered yet We are trying again \(attempt 2\)\./,
    );
    assert.match(retrying.html, /govuk-tag--yellow/);

    const dead = await waitForPage(hub, b, statusPath, (p) =>
      /Needs action/.test(statusRow(p.html, 'Singapore births test agency')),
    );
    assert.match(
      statusRow(dead.html, 'Singapore births test agency'),
      /Needs action We could not tell Singapore births test agency\. Contact them at https:\/\/www\.ica\.gov\.sg\s*\./,
    );
    assert.ok(dead.html.includes('<a class="govuk-link" href="https://www.ica.gov.sg">'));
    assert.match(dead.html, /govuk-tag--red/);
    // The other agency is unaffected.
    await waitForPage(hub, b, statusPath, (p) =>
      /Delivered on/.test(statusRow(p.html, 'Agency uk_tell_test')),
    );
    const journey = await get(hub, b, `/life-events/journeys/${id}`);
    assert.match(text(journey.html), /1 needs action/);
  });
});
