import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { send, signIn, startJourney, verify } from '../reports/support.ts';
import { getPage, submitPage, type TestPage } from '../support/http.ts';
import type { TestHub } from '../support/hub.ts';
import type { TestRp } from '../support/rp.ts';

/**
 * What the SQLite fault tests (sqlite-disk-full, sigkill) share: hub processes started as `npm start`
 * starts them (`node src/server.ts`), and what citizens do (a service's OAuth login, a Tell Us Once
 * report through the pages). Everything on 127.0.0.1; every wait bounded.
 */

const ROOT = resolve(import.meta.dirname, '../..');

export const ENABLED = process.env['GOVBRIDGE_FAULT_TESTS'] === '1';

export interface HubProcess {
  name: string;
  child: ChildProcess;
  url: string;
  /** How it ended (empty while it runs). */
  exits: string[];
  exited: Promise<void>;
  output(): string;
}

export const children = new Set<ChildProcess>();

export async function startHubProcess(name: string, env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const keep = (d: string) => {
    out += d;
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exits: string[] = [];
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      exits.push(`exit code ${code} signal ${signal}`);
      r();
    }),
  );
  const deadline = Date.now() + 40_000;
  for (;;) {
    if (/govbridge is running: open (https?:\/\/[^\s]+)/.test(out)) {
      return { name, child, url: env['GOVBRIDGE_PUBLIC_URL']!, exits, exited, output: () => out };
    }
    if (exits.length > 0) throw new Error(`hub ${name} exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hub ${name} not ready after 40 s:\n${out}`);
    }
    await sleep(25);
  }
}

export async function stopHubProcess(hub: HubProcess): Promise<void> {
  if (hub.exits.length > 0) return;
  hub.child.kill('SIGTERM');
  const timer = setTimeout(() => hub.child.kill('SIGKILL'), 10_000);
  await hub.exited;
  clearTimeout(timer);
}

export const asHub = (url: string) => ({ url }) as TestHub;

/** An OAuth login at a service, to tokens and userinfo. */
export async function serviceLogin(rp: TestRp): Promise<void> {
  const r = await rp.login({
    params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
  });
  const ui = await rp.userinfo(r.accessToken);
  if (ui.status !== 200) throw new Error(`userinfo ${ui.status}`);
}

/** The agencies' subscriptions the reports of `sendReport` go to. */
export const FAULT_AGENCIES = [
  {
    id: 'uk_fault_test',
    subscriptions: [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'date_of_move', 'to_country', 'new_address', 'email'],
      },
    ],
    extra: {},
  },
  {
    id: 'sg_fault_test',
    subscriptions: [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'nationalities', 'from_country', 'previous_address'],
      },
    ],
    extra: { country: 'SG', name: 'Singapore fault test agency' },
  },
] as const;

/** The "check your answers" page of a new report, ready to confirm. */
export async function prepareReport(hubUrl: string, n: number) {
  const hub = asHub(hubUrl);
  const b = await signIn(hub);
  const id = await startJourney(hub, b, 'moving_singapore_to_uk', ['1', '9', '2025']);
  await verify(hub, b, id);
  const tell = await getPage(b, hubUrl, `/life-events/journeys/${id}/tell`);
  expectOk(tell);
  const check = await submitPage(b, tell, '/tell', {
    name: `FAULT TEST ${n}`,
    new_address: `${n} Horse Guards Road\r\nLondon SW1A 2HQ`,
    previous_address: '10 Anson Road, Singapore 079903',
    nationalities: 'SG',
    email: 'fault@example.sg',
  });
  expectOk(check);
  return { b, check, journeyId: id };
}

/** The report id of a confirm answer, when it told the citizen the report was sent. */
export function confirmedReportId(sent: TestPage): string | undefined {
  return /\/life-events\/reports\/(rpt_[A-Za-z0-9_-]+)$/.exec(new URL(sent.url).pathname)?.[1];
}

/** Sign in, start a journey, verify with Singpass, tell two agencies, send: the report's id. */
export async function sendReport(hubUrl: string, n: number): Promise<string> {
  const { b, check } = await prepareReport(hubUrl, n);
  // As a browser sends it: the agencies ticked on the check page (all of them), with the hidden fields.
  const sent = await send(b, check);
  // The 303 to the report's page is what tells the citizen it was sent (even if that page then fails).
  const reportId = confirmedReportId(sent);
  if (!reportId) throw new Error(`confirm answered ${sent.status} at ${sent.url}`);
  return reportId;
}

export function expectOk(page: TestPage): void {
  if (page.status !== 200) throw new Error(`${page.status} at ${page.url}`);
}
