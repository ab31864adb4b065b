import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createDemoAgencies, type DemoAgencies } from '../../src/demo/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { buildWebTestApp } from '../../src/web/test-app.ts';
import { useBrowser } from '../support/browser.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';
import {
  buildNotification,
  notificationHeaders,
  startHubKeys,
  type TestHubKeys,
} from '../support/tell-us-once.ts';
import { Journey } from './journey.ts';

/**
 * The demo agencies' pages in real Chromium, mounted in a small Fastify app with the hub's web
 * foundation (its assets, security headers and CSP), each checked by Journey.check() (axe WCAG 2.2
 * AA, no CSP violation, script error or failed asset, no inline script, js-enabled from
 * /assets/app.js): the list of agencies, an agency that has received notifications (one of them
 * twice) and one that has received none, and an unknown agency's 404.
 */
const browser = useBrowser();

describe(`demo agencies' pages, in Chromium (${testDialect()})`, () => {
  let storage: Storage;
  let hub: TestHubKeys;
  let agencies: DemoAgencies;
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    storage = await openTestStorage();
    hub = await startHubKeys();
    agencies = await createDemoAgencies({
      publicUrl: 'http://127.0.0.1:3000',
      hubJwksUrl: hub.jwksUrl,
      secret: 'a-demo-agency-secret-of-at-least-32-characters',
      db: storage.db,
    });
    ({ app } = await buildWebTestApp({
      routes: async (child) => {
        await child.register(agencies.plugin, { prefix: '/demo' });
      },
    }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const ica = agencies.registrations.find((r) => r.agencyId === 'ica')!;
    const deliveries = [
      await buildNotification({
        source: hub.source,
        recipient: 'ica',
        encryptionJwk: ica.encryptionJwk,
        eventType: 'moving-abroad',
        attributes: {
          name: 'Tan Wei Ling',
          birthdate: '1990-04-12',
          nationalities: ['SG', 'GB'],
          date_of_move: '2026-02-01',
          to_country: 'GB',
          new_address: '22 Acacia Avenue, Manchester M1 1AA',
        },
      }),
      await buildNotification({
        source: hub.source,
        recipient: 'ica',
        encryptionJwk: ica.encryptionJwk,
        eventType: 'death',
        reportId: 'rpt_death_1',
        attributes: {
          deceased_name: 'Lim Ah Kow',
          deceased_birthdate: '1940-09-30',
          date_of_death: '2026-01-20',
          place_of_death: 'GB',
        },
      }),
    ];
    for (const { id, body } of [...deliveries, deliveries[0]!]) {
      const res = await fetch(`${url}/demo/agencies/ica/notifications`, {
        method: 'POST',
        headers: await notificationHeaders(hub, id, body),
        body,
      });
      assert.ok(res.status === 202 || res.status === 200, `delivery: ${res.status} ${await res.text()}`);
    }
  });

  after(async () => {
    await app?.close();
    await hub?.close();
    await storage?.close();
  });

  test('the list of agencies, an agency’s notifications, an agency with none, and an unknown agency', async () => {
    const context = await browser().newContext();
    try {
      const j = await Journey.open(context);
      const { page } = j;
      await j.goto(`${url}/demo/agencies`);
      await j.check('demo agencies list', { heading: 'Demo agencies' });
      assert.equal(
        (await page.locator('h2.govuk-heading-l').allTextContents()).map((t) => t.trim()).join(' | '),
        'United Kingdom | Singapore',
      );

      await j.clickTo(
        page.getByRole('link', { name: 'See what it received Immigration & Checkpoints Authority (demo)' }),
        /\/demo\/agencies\/ica$/,
      );
      await j.check('ICA (demo) notifications', { heading: 'Immigration & Checkpoints Authority (demo)' });
      const main = (await page.locator('main').textContent()) ?? '';
      assert.match(main, /1 duplicate delivery was dropped/);
      assert.match(main, /2 notifications, newest first/);
      assert.match(main, /Tan Wei Ling/);
      assert.match(main, /Singapore \(SG\), United Kingdom \(GB\)/);
      assert.match(main, /Lim Ah Kow/);
      // Newest first: the death was delivered after the move.
      assert.ok(main.indexOf('Lim Ah Kow') < main.indexOf('Tan Wei Ling'));

      await j.clickTo(page.getByRole('link', { name: 'All demo agencies' }), /\/demo\/agencies$/);
      await j.clickTo(
        page.getByRole('link', { name: 'See what it received Ministry of Manpower (demo)' }),
        /\/demo\/agencies\/mom$/,
      );
      await j.check('MOM (demo), nothing received', { heading: 'Ministry of Manpower (demo)' });
      assert.match(
        (await page.locator('main').textContent()) ?? '',
        /It has not received any notifications yet/,
      );

      await j.goto(`${url}/demo/agencies/no_such_agency`);
      await j.check('unknown agency', { status: 404, heading: 'Page not found' });
    } finally {
      await context.close();
    }
  });
});
