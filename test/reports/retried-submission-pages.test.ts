import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { submitPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import type { TestReceiver } from '../support/receiver.ts';
import {
  errorSummary,
  get,
  send,
  signIn,
  startJourney,
  testAgency,
  text,
  verify,
  waitForPage,
} from './support.ts';

/**
 * Retried submissions stay single, through the pages (issue 10): a citizen who sent a report, went
 * back and sent the same report again from a freshly rendered form (a new one-time submission key)
 * is shown the report already sent, and the agency is told once. SQLite, or PostgreSQL with
 * DATABASE_URL.
 */
let hub: TestHub;
let agency: TestReceiver;

before(async () => {
  hub = await startTestHub();
  agency = await testAgency(hub, 'uk_resend_test', [
    { eventType: 'moving-abroad', attributes: ['name', 'date_of_move', 'new_address'] },
  ]);
});

after(async () => {
  await hub?.close();
  await agency?.close();
});

const ANSWERS = {
  name: 'TAN AH KOW',
  new_address: '1 Horse Guards Road\r\nLondon SW1A 2HQ',
  previous_address: '10 Anson Road, Singapore 079903',
  nationalities: 'SG',
  email: 'tan@example.sg',
};

async function tellAndSend(b: Awaited<ReturnType<typeof signIn>>, id: string, answers = ANSWERS) {
  const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
  assert.equal(tell.status, 200);
  const check = await submitPage(b, tell, '/tell', answers);
  assert.equal(check.status, 200, errorSummary(check.html));
  return send(b, check);
}

test('sent again from a re-rendered form: the report already sent, told once', async () => {
  const b = await signIn(hub);
  const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['1', '9', '2025']);
  await verify(hub, b, id);
  const first = await tellAndSend(b, id);
  const statusPath = new URL(first.url).pathname;
  assert.match(statusPath, /^\/life-events\/reports\/rpt_/);
  assert.doesNotMatch(text(first.html), /You had already sent this report/);

  // Back to the form (a new submission key), the same answers, send again.
  const second = await tellAndSend(b, id);
  assert.equal(second.status, 200);
  assert.equal(new URL(second.url).pathname, statusPath);
  assert.match(
    text(second.html),
    /You had already sent this report on \d{1,2} \w+ \d{4}\. We have not sent it again: each agency is told once\./,
  );
  const rows = await hub.ctx.storage.db
    .selectFrom('reports')
    .select('report_id')
    .where('journey_id', '=', id)
    .execute();
  assert.equal(rows.length, 1);
  await waitForPage(hub, b, statusPath, (page) => /Delivered/.test(text(page.html)));
  assert.equal(agency.events.length, 1);

  // Different content is a new report.
  const changed = await tellAndSend(b, id, {
    ...ANSWERS,
    new_address: '2 Marsham Street\r\nLondon SW1P 4DF',
  });
  assert.notEqual(new URL(changed.url).pathname, statusPath);
  assert.doesNotMatch(text(changed.html), /You had already sent this report/);
});
