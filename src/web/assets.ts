import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Level } from './logging.ts';
import { loadSgdsAssets, SGDS_PREFIX } from './sgds-assets.ts';
import { GOVUK_FRONTEND_DIR, PUBLIC_DIR, SGDS_VERSIONED_FILES } from './views.ts';

/**
 * Static files under `/assets/`, straight from the govuk-frontend package (no copied bundle):
 *  - `/assets/fonts/…`, `/assets/images/…`, `/assets/manifest.json`: govuk-frontend's `assets/`
 *    (its CSS refers to `/assets/fonts/…` and `/assets/images/…` by absolute path);
 *  - `/assets/govuk-frontend.min.css|js` (+ source maps): its compiled build;
 *  - `/assets/app.js`, `/assets/sgds-hub.css`: ours (public/);
 *  - `/assets/sgds/…`: the Singapore Government Design System package's files the SGDS layout uses
 *    and nothing else, their `data:` images moved to `/assets/sgds/images/` (sgds-assets.ts).
 *
 * Caching: the layout links the CSS and app.js with `?v=<content hash>`, and app.js passes the same
 * `?v=` to govuk-frontend's JS, so those are `immutable` for a year; fonts have content hashes in
 * their names. Favicons, images and the manifest are linked without a version, so a day.
 * `wildcard: false` registers one route per file found at start, so nothing else in those folders
 * is reachable and three registrations can share the prefix.
 */
const YEAR = 'public, max-age=31536000, immutable';
const DAY = 'public, max-age=86400';

const GOVUK_ASSETS_DIR = join(GOVUK_FRONTEND_DIR, 'govuk', 'assets');
const GOVUK_BUILD_DIR = join(GOVUK_FRONTEND_DIR, 'govuk');
const BUILD_FILES = [
  'govuk-frontend.min.css',
  'govuk-frontend.min.css.map',
  'govuk-frontend.min.js',
  'govuk-frontend.min.js.map',
];

export async function registerAssets(app: FastifyInstance, options: { logLevel: Level }): Promise<void> {
  await app.register(fastifyStatic, {
    root: GOVUK_ASSETS_DIR,
    prefix: '/assets/',
    wildcard: false,
    cacheControl: false,
    // Also used by the sendFile() routes below, which share this registration's reply decorator.
    setHeaders: (reply: FastifyReply, path: string) => {
      const versioned = path.includes(join('assets', 'fonts')) || BUILD_FILES.some((f) => path.endsWith(f));
      reply.header('cache-control', versioned ? YEAR : DAY);
    },
  });
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/assets/',
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply: FastifyReply) => {
      reply.header('cache-control', YEAR);
    },
  });
  for (const file of BUILD_FILES) {
    app.get(`/assets/${file}`, { logLevel: options.logLevel }, (_request, reply) =>
      reply.sendFile(file, GOVUK_BUILD_DIR, { cacheControl: false }),
    );
  }
  // SGDS: linked with ?v= (immutable) or imported by one of those without it (a day); the images
  // are named by their content's hash.
  const sgds = loadSgdsAssets();
  for (const [file, { type, body }] of sgds.files) {
    const versioned = (SGDS_VERSIONED_FILES as readonly string[]).includes(file);
    app.get(`${SGDS_PREFIX}/${file}`, { logLevel: options.logLevel }, (_request, reply) =>
      reply
        .type(type)
        .header('cache-control', versioned ? YEAR : DAY)
        .send(body),
    );
  }
  for (const [name, image] of sgds.images) {
    app.get(`${SGDS_PREFIX}/images/${name}`, { logLevel: options.logLevel }, (_request, reply) =>
      reply.type(image.type).header('cache-control', YEAR).send(image.body),
    );
  }
}
