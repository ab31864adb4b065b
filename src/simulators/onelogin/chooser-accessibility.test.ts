import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { createTestClient, PREFIX, REDIRECT_URI } from './simulator-harness.ts';
import { oneLoginSimulator } from './simulator-plugin.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The persona chooser in a real browser, with GOV.UK Frontend's assets served at /assets/ as the
 * hub does: no axe-core violations, before and after a validation error, and the form works.
 */
describe('One Login simulator: persona chooser accessibility', {
  skip: !existsSync(CHROMIUM) && 'no Chromium',
}, () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  before(async () => {
    const client = await createTestClient();
    const dist = join(
      dirname(fileURLToPath(import.meta.resolve('govuk-frontend/package.json'))),
      'dist',
      'govuk',
    );
    app = Fastify();
    await app.register(fastifyStatic, { root: join(dist, 'assets'), prefix: '/assets/' });
    app.get('/assets/govuk-frontend.min.css', (_req, reply) =>
      reply.sendFile('govuk-frontend.min.css', dist),
    );
    const port = await new Promise<number>((resolve) => {
      const probe = Fastify();
      probe.listen({ host: '127.0.0.1', port: 0 }).then(() => {
        const address = probe.server.address();
        const p = address && typeof address === 'object' ? address.port : 0;
        probe.close().then(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    const redirect = `${base}/callback`;
    app.get('/callback', async () => 'back at the service');
    await app.register(oneLoginSimulator, {
      prefix: PREFIX,
      baseUrl: `${base}${PREFIX}`,
      clients: [
        {
          clientId: client.clientId,
          jwks: { keys: [client.publicJwk] },
          redirectUris: [redirect, REDIRECT_URI],
        },
      ],
    });
    await app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('has no axe violations, shows an accessible error, and signs in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: 'govbridge-test-client',
      redirect_uri: `${base}/callback`,
      scope: 'openid email',
      state: 'st',
      nonce: 'no',
      vtr: '["Cl.Cm.P2"]',
    });
    await page.goto(`${base}${PREFIX}/authorize?${q}`);
    assert.equal(await page.title(), 'Who are you signing in as? – GOV.UK One Login simulator – govbridge');
    const first = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(
      first.violations.map((v) => `${v.id}: ${v.help}`),
      [],
    );

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForSelector('.govuk-error-summary');
    const second = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(
      second.violations.map((v) => `${v.id}: ${v.help}`),
      [],
    );

    await page.getByLabel('Tan Wei Ling').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/callback\?/);
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('code'));
    assert.equal(url.searchParams.get('state'), 'st');
    await context.close();
  });
});
