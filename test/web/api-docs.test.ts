import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { apiDocs, buildWebTestApp } from '../../src/web/index.ts';

/** /api/docs on a hub without the admin API (no GOVBRIDGE_ADMIN_TOKEN), and its assets. */
let app: FastifyInstance;
before(async () => {
  ({ app } = await buildWebTestApp({
    routes: async (child) => {
      await child.register(apiDocs, { adminApi: false });
    },
  }));
});
after(() => app.close());

test('without an admin token the page says the admin API is off and renders only the life-events API', async () => {
  const res = await app.inject({ method: 'GET', url: '/api/docs' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.match(res.body, /<html lang="en"/);
  assert.match(res.body, /<title>API reference – govbridge – GOV\.UK<\/title>/);
  assert.match(res.body, /This hub has no admin API: it is switched on by setting GOVBRIDGE_ADMIN_TOKEN\./);
  assert.deepEqual(
    [...res.body.matchAll(/data-openapi-url="([^"]+)"/g)].map((m) => m[1]),
    ['/api/openapi.json'],
  );
  assert.doesNotMatch(res.body, /<script>|<script [^>]*>[^<]/, 'no inline script');
});

test('the scripts and stylesheets it links are served by the hub, versioned and cached for a year', async () => {
  const page = (await app.inject({ method: 'GET', url: '/api/docs' })).body;
  const links = [...page.matchAll(/(?:src|href)="(\/api\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.deepEqual(links.map((l) => l.replace(/\?v=.*/, '')).sort(), [
    '/api/docs/assets/api-docs.css',
    '/api/docs/assets/api-docs.js',
    '/api/docs/assets/swagger-ui-bundle.js',
    '/api/docs/assets/swagger-ui.css',
  ]);
  for (const link of links) {
    assert.match(link, /\?v=[0-9a-f.]+$/);
    const res = await app.inject({ method: 'GET', url: link });
    assert.equal(res.statusCode, 200, link);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', link);
    assert.match(String(res.headers['content-type']), link.includes('.css') ? /^text\/css/ : /javascript/);
  }
});
