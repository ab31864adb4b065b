import assert from 'node:assert/strict';
import type { JWK } from 'jose';
import { agencyRegistration } from '../notifications/support.ts';
import { findForm, getPage, pageText, submitPage, TestBrowser, type TestPage } from '../support/http.ts';
import type { TestHub } from '../support/hub.ts';
import { startReceiver, type TestReceiver } from '../support/receiver.ts';

/**
 * Helpers for the "Tell government once" page tests: a citizen signed in the way a person does
 * (Singpass simulator persona), a journey started on the life-event pages, and test agencies that
 * receive real notifications from the hub's delivery worker.
 */
export const text = pageText;

export const get = (hub: TestHub, b: TestBrowser, path: string): Promise<TestPage> =>
  getPage(b, hub.url, path);

export async function signIn(
  hub: TestHub,
  persona = 'sg-citizen-mid',
  scheme = 'singpass',
): Promise<TestBrowser> {
  const b = new TestBrowser();
  const start = await get(hub, b, '/account/consents');
  const chooser = await submitPage(b, start, '/account/sign-in', { scheme });
  const done = await submitPage(b, chooser, '', { persona });
  assert.match(done.url, /\/account\/consents$/, b.visited.join('\n'));
  return b;
}

/** Start a journey for `event` on `date` (day, month, year); returns its id. */
export async function startJourney(
  hub: TestHub,
  b: TestBrowser,
  event: string,
  date: [string, string, string],
  answers: Record<string, string> = {},
): Promise<string> {
  const choose = await get(hub, b, '/life-events');
  const q = await submitPage(b, choose, '/life-events/start', {
    event,
    'eventDate-day': date[0],
    'eventDate-month': date[1],
    'eventDate-year': date[2],
  });
  const id = /\/life-events\/journeys\/([^/]+)\/questions/.exec(q.url)?.[1];
  assert.ok(id, `${q.status} ${q.url}\n${text(q.html).slice(0, 500)}`);
  for (const [fact, value] of Object.entries(answers)) {
    const page = await get(hub, b, `/life-events/journeys/${id}/questions?fact=${fact}`);
    const answered = await submitPage(b, page, '/questions', { fact, value });
    assert.ok(answered.status < 400, text(answered.html).slice(0, 500));
  }
  return id;
}

/** Agree to use verified details on the journey, choosing `persona` at the simulator. */
export async function verify(hub: TestHub, b: TestBrowser, journeyId: string, persona = 'sg-citizen-mid') {
  const journey = await get(hub, b, `/life-events/journeys/${journeyId}`);
  const simulator = await submitPage(b, journey, '/verified', { scheme: 'singpass', decision: 'agree' });
  const back = await submitPage(b, simulator, '', { persona });
  assert.equal(new URL(back.url).pathname, `/life-events/journeys/${journeyId}`, b.visited.join('\n'));
}

/** The error summary's text ('' without one). */
export function errorSummary(html: string): string {
  const m = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html);
  return m ? text(m[0]).replace(/\s+/g, ' ').trim() : '';
}

/** The error summary's links: text → href. */
export function errorLinks(html: string): Array<[string, string]> {
  const m = /<div class="govuk-error-summary"[\s\S]*?<\/ul>/.exec(html);
  if (!m) return [];
  return [...m[0].matchAll(/<a href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((x) => [
    text(x[2]!).trim(),
    x[1]!,
  ]);
}

/** The text of the summary card titled `title` ('' when there is none). */
export function card(html: string, title: string): string {
  for (const m of html.matchAll(/<div class="govuk-summary-card">([\s\S]*?)<\/dl>/g)) {
    const t = text(
      /<h[2-6] class="govuk-summary-card__title">([\s\S]*?)<\/h[2-6]>/.exec(m[1]!)?.[1] ?? '',
    ).trim();
    if (t === title) return text(m[1]!).replace(/\s+/g, ' ').trim();
  }
  return '';
}

/** The row of a status table whose header cell is `agency` ('' when there is none). */
export function statusRow(html: string, agency: string): string {
  for (const m of html.matchAll(/<tr class="govuk-table__row">([\s\S]*?)<\/tr>/g)) {
    const head = text(/<th[^>]*>([\s\S]*?)<\/th>/.exec(m[1]!)?.[1] ?? '').trim();
    if (head === agency) return text(m[1]!).replace(/\s+/g, ' ').trim();
  }
  return '';
}

/** Post a form of `page` by its action, with `fields` replacing or adding to its hidden fields. */
export async function post(
  b: TestBrowser,
  page: TestPage,
  action: string,
  fields: Record<string, string | string[]>,
): Promise<TestPage> {
  const form = findForm(page.html, action);
  const body = new URLSearchParams(form.fields);
  for (const [k, v] of Object.entries(fields)) {
    body.delete(k);
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  }
  const { res, url } = await b.follow(new URL(form.action, page.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  return { status: res.status, url, html: await res.text() };
}

/** The agencies ticked on a check page (all of them unless a test unticks some), as a browser sends them. */
export function tickedAgencies(html: string): string[] {
  return [...html.matchAll(/<input\b[^>]*name="agencies"[^>]*>/g)]
    .filter((m) => / checked/.test(m[0]))
    .map((m) => /value="([^"]*)"/.exec(m[0])?.[1] ?? '');
}

/** Press "Send" on a check page, as a browser would: the ticked agencies with the hidden fields. */
export function send(b: TestBrowser, check: TestPage, fields: Record<string, string | string[]> = {}) {
  return post(b, check, '/tell/confirm', { agencies: tickedAgencies(check.html), ...fields });
}

/** The hub's notification signing key (what a receiving agency verifies with). */
export function hubNotifyKey(hub: TestHub): JWK {
  const jwk = hub.ctx.keys.publicJwks('notify-sig').keys[0];
  assert.ok(jwk, 'the hub has a notification signing key');
  return jwk;
}

/** A receiving test agency, registered with the hub for `subscriptions`. */
export async function testAgency(
  hub: TestHub,
  agencyId: string,
  subscriptions: Array<{ eventType: string; attributes: string[] }>,
  extra: Record<string, unknown> = {},
): Promise<TestReceiver> {
  const receiver = await startReceiver({ agencyId, hubPublicJwk: hubNotifyKey(hub) });
  await hub.ctx.notifications.agencies.register(
    agencyRegistration(agencyId, receiver.url, receiver.publicJwk, subscriptions, extra),
  );
  return receiver;
}

/** GET `path` until `done(page)` (the delivery worker runs in the hub), or fail after `ms`. */
export async function waitForPage(
  hub: TestHub,
  b: TestBrowser,
  path: string,
  done: (page: TestPage) => boolean,
  ms = 20_000,
): Promise<TestPage> {
  const deadline = Date.now() + ms;
  let page = await get(hub, b, path);
  while (!done(page)) {
    if (Date.now() > deadline)
      throw new Error(`page did not change in time:\n${text(page.html).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
    page = await get(hub, b, path);
  }
  return page;
}
