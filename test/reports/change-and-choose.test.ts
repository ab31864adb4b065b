import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NotificationStatus } from '../../src/notifications/index.ts';
import { REFERENCE_ALPHABET, readableReference } from '../../src/web/reports/reference.ts';
import { agencyStatus } from '../../src/web/reports/report-status.ts';
import { submitPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import type { TestReceiver } from '../support/receiver.ts';
import { testDialect } from '../support/storage.ts';
import {
  errorSummary,
  get,
  post,
  send,
  signIn,
  startJourney,
  statusRow,
  testAgency,
  text,
  tickedAgencies,
  verify,
  waitForPage,
} from './support.ts';

/**
 * Tell Us Once, issue 12: change one answer from "Check before you send" and come back to it; choose
 * which agencies to tell (all ticked; at least one); the confirmation's short reference; a first
 * delivery in progress is not "trying again".
 */
let hub: TestHub;
let uk: TestReceiver;
let sg: TestReceiver;

before(async () => {
  hub = await startTestHub();
  uk = await testAgency(hub, 'uk_choose_test', [
    { eventType: 'moving-abroad', attributes: ['name', 'birthdate', 'date_of_move', 'new_address'] },
  ]);
  sg = await testAgency(
    hub,
    'sg_choose_test',
    [{ eventType: 'moving-abroad', attributes: ['name', 'nationalities', 'previous_address'] }],
    { country: 'SG', name: 'Singapore choose test agency' },
  );
});

after(async () => {
  await hub?.close();
  await uk?.close();
  await sg?.close();
});

async function checkPage(b: Awaited<ReturnType<typeof signIn>>, id: string) {
  const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
  const check = await submitPage(b, tell, '/tell', {
    name: 'TAN AH KOW',
    new_address: '1 Horse Guards Road\r\nLondon SW1A 2HQ',
    previous_address: '10 Anson Road, Singapore 079903',
    nationalities: 'SG',
    email: 'tan@example.sg',
    'birthdate-day': '22',
    'birthdate-month': '8',
    'birthdate-year': '1979',
  });
  assert.equal(check.status, 200, errorSummary(check.html));
  return check;
}

describe(`tell government once: change an answer, choose the agencies (${testDialect()})`, () => {
  test('Change on the check page: that answer alone, then back to the check page with the new value', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['1', '9', '2025']);
    await verify(hub, b, id);
    const check = await checkPage(b, id);
    // Every answer once, with a Change for what the citizen typed, naming it for screen readers.
    assert.match(
      check.html,
      /name="change" value="new_address"[^>]*>Change<span class="govuk-visually-hidden"> new address<\/span>/,
    );
    // Verified and journey values have none here.
    assert.doesNotMatch(check.html, /name="change" value="(birthdate|date_of_move|from_country)"/);

    // The Change buttons belong to the "change" form (the form attribute), as a browser sends them.
    const changeForm = check.html.slice(
      check.html.lastIndexOf('<form', check.html.indexOf('id="change-answers"')),
    );
    const one = await post(b, { ...check, html: changeForm }, '/tell', { change: 'new_address' });
    assert.equal(one.status, 200);
    assert.match(text(one.html), /Change new address/);
    // Only that question, prefilled; the other answers travel sealed.
    assert.match(one.html, /name="new_address"/);
    assert.doesNotMatch(one.html, /name="previous_address"|name="email"/);
    assert.match(one.html, /1 Horse Guards Road/);

    // A wrong answer stays on that page, with the review still there.
    const wrong = await post(b, one, '/tell', { new_address: '' });
    assert.equal(wrong.status, 400);
    assert.match(errorSummary(wrong.html), /Enter your new address/);
    assert.match(wrong.html, /name="changing" value="new_address"/);

    const back = await post(b, wrong, '/tell', { new_address: '221B Baker Street\r\nLondon NW1 6XE' });
    assert.equal(back.status, 200, errorSummary(back.html));
    const shown = text(back.html);
    assert.match(shown, /Check before you send/);
    assert.match(shown, /New address 221B Baker Street, London NW1 6XE You told us/);
    // The other typed answers are kept.
    assert.match(shown, /Address before the move 10 Anson Road, Singapore 079903 You told us/);
    assert.match(shown, /Full name TAN AH KOW You told us/);
    assert.doesNotMatch(shown, /Horse Guards/);

    // A tampered review on the change page: every question again, nothing assumed.
    const tampered = await post(b, one, '/tell', { review: 'x', new_address: '1 Other Road\r\nLondon' });
    assert.equal(tampered.status, 400);
    assert.match(errorSummary(tampered.html), /Enter your full name/);

    // Sent: the agency gets the changed address.
    const sent = await send(b, back);
    assert.match(new URL(sent.url).pathname, /^\/life-events\/reports\/rpt_/);
    await waitForPage(hub, b, new URL(sent.url).pathname, (p) =>
      /Delivered/.test(statusRow(p.html, 'Agency uk_choose_test')),
    );
    const got = uk.events.at(-1)?.attributes as Record<string, unknown> | undefined;
    assert.equal(got?.['new_address'], '221B Baker Street\nLondon NW1 6XE');
  });

  test('the journey’s own answers: Change on the tell page goes to the journey question and back', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['1', '9', '2025']);
    const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
    assert.match(
      tell.html,
      new RegExp(
        `href="/life-events/journeys/${id}/date">\\s*Change<span class="govuk-visually-hidden"> date of the move</span>`,
      ),
    );
  });

  test('choose the agencies: all ticked; untick one and only the others are told; none is an error', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['2', '9', '2025']);
    const check = await checkPage(b, id);
    const ticked = tickedAgencies(check.html);
    assert.ok(ticked.includes('uk_choose_test') && ticked.includes('sg_choose_test'), ticked.join());
    // Each choice says what that agency will get.
    assert.match(
      text(check.html),
      /Singapore choose test agency \(Singapore\) Will get: Full name, Nationalities, Address before the move/,
    );

    // None ticked: an error summary and an inline error; nothing is sent.
    const before = { uk: uk.events.length, sg: sg.events.length };
    const none = await post(b, check, '/tell/confirm', { agencies: [] });
    assert.equal(none.status, 400);
    assert.match(errorSummary(none.html), /Select at least one agency to tell/);
    assert.match(none.html, /href="#agencies"/);
    assert.match(none.html, /id="agencies-error"/);
    assert.match(none.html, /<title>Error: /);
    // A value that is not one of the agencies offered counts as none.
    const hostile = await post(b, check, '/tell/confirm', { agencies: ['not_an_agency', '../x'] });
    assert.equal(hostile.status, 400);
    assert.match(errorSummary(hostile.html), /Select at least one agency to tell/);

    // Only the Singapore agency.
    const sent = await send(b, none, { agencies: ['sg_choose_test'] });
    const path = new URL(sent.url).pathname;
    assert.match(path, /^\/life-events\/reports\/rpt_/, sent.html.slice(0, 300));
    const status = await waitForPage(hub, b, path, (p) =>
      /Delivered/.test(statusRow(p.html, 'Singapore choose test agency')),
    );
    assert.equal(statusRow(status.html, 'Agency uk_choose_test'), '');
    // One report on the journey: the refused sends made none.
    const journey = await get(hub, b, `/life-events/journeys/${id}`);
    assert.equal([...text(journey.html).matchAll(/Report sent on/g)].length, 1);
    assert.equal(uk.events.length, before.uk);
    assert.equal(sg.events.length, before.sg + 1);

    // Telling the UK agency afterwards is a new report, not "already sent".
    const again = await checkPage(b, id);
    const second = await send(b, again, { agencies: ['uk_choose_test'] });
    assert.doesNotMatch(second.url, /already=sent/);
    await waitForPage(hub, b, new URL(second.url).pathname, (p) =>
      /Delivered/.test(statusRow(p.html, 'Agency uk_choose_test')),
    );
    assert.equal(uk.events.length, before.uk + 1);
  });

  test('the confirmation: a panel with a short reference to read out; the report id in a details', async () => {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['3', '9', '2025']);
    const sent = await send(b, await checkPage(b, id));
    const reportId = /\/life-events\/reports\/(rpt_[A-Za-z0-9_-]+)/.exec(sent.url)![1]!;
    assert.match(sent.url, /\?sent=new$/);
    const reference = readableReference(reportId);
    assert.match(reference, new RegExp(`^[${REFERENCE_ALPHABET}]{8}$`));
    assert.match(sent.html, /class="govuk-panel govuk-panel--confirmation"/);
    assert.match(text(sent.html), new RegExp(`Report sent Your reference is ${reference}`));
    assert.match(text(sent.html), new RegExp(`Report id: ${reportId}`));
    // Seen later: the same reference, no panel.
    const later = await get(hub, b, `/life-events/reports/${reportId}`);
    assert.doesNotMatch(later.html, /govuk-panel/);
    assert.match(text(later.html), new RegExp(`give your reference: ${reference}`));
  });
});

test('a reference: 8 characters, unambiguous alphabet, stable, different for different reports', () => {
  assert.doesNotMatch(REFERENCE_ALPHABET, /[0O1IL2Z5S8BQUV]/);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const r = readableReference(`rpt_${i.toString(36).padStart(16, '0')}`);
    assert.match(r, /^[ACDEFGHJKMNPRTWXY34679]{8}$/);
    seen.add(r);
  }
  assert.equal(seen.size, 2000);
  assert.equal(readableReference('rpt_x'), readableReference('rpt_x'));
});

test('a first delivery in progress is "being sent now", not "trying again (attempt 2)"', () => {
  const n = (state: NotificationStatus['state'], attempts: number): NotificationStatus => ({
    notificationId: 'ntf_1',
    agency: { agencyId: 'a', name: 'Agency', country: 'GB', website: 'https://www.gov.uk' },
    attributes: ['name'],
    state,
    attempts,
    nextAttemptAt: null,
    deliveredAt: null,
    lastError: null,
  });
  assert.equal(agencyStatus(n('sending', 1)).sentence, 'Being sent now.');
  assert.equal(agencyStatus(n('sending', 1)).tag.text, 'Pending');
  assert.equal(agencyStatus(n('sending', 2)).sentence, 'We are trying again (attempt 2).');
  assert.equal(agencyStatus(n('retrying', 1)).sentence, 'We are trying again (attempt 2).');
  assert.equal(agencyStatus(n('pending', 0)).sentence, 'Waiting to be sent.');
});
