import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';
import { moveInlineImages, SWAGGER_UI_DIR, SWAGGER_UI_VERSION } from './swagger-assets.ts';

/**
 * `GET /api/docs`: the hub's API reference, both OpenAPI documents rendered by Swagger UI on one
 * GOV.UK page — the life-events API (`/api/openapi.json`) and the admin API
 * (`/admin/api/openapi.json`, which needs no token; its operations do). Swagger UI's files are
 * served from `/api/docs/assets/` by the hub itself; the page keeps the hub's CSP as it is (no
 * inline script or style, no `data:` images: see swagger-assets.ts).
 */
export interface ApiDocsOptions {
  /** Whether this hub serves the admin API (GOVBRIDGE_ADMIN_TOKEN is set); without it, the page says so. */
  adminApi: boolean;
}

const ASSETS = '/api/docs/assets';
const PUBLIC_DIR = join(import.meta.dirname, 'public');
const YEAR = 'public, max-age=31536000, immutable';

function fileVersion(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}

interface ApiReference {
  id: string;
  title: string;
  documentUrl: string;
  /** Why it is not here (the admin API on a hub without an admin token). */
  absent?: string;
}

async function apiDocsPlugin(app: FastifyInstance, options: ApiDocsOptions): Promise<void> {
  const { css, images } = moveInlineImages(
    readFileSync(join(SWAGGER_UI_DIR, 'swagger-ui.css'), 'utf8'),
    `${ASSETS}/images`,
  );
  // Read once: the bundle as the package ships it (about 1.7 MB), versioned by the package's version.
  const bundle = readFileSync(join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'));
  const ours = {
    'api-docs.js': readFileSync(join(PUBLIC_DIR, 'api-docs.js'), 'utf8'),
    'api-docs.css': readFileSync(join(PUBLIC_DIR, 'api-docs.css'), 'utf8'),
  };
  const versions = {
    swagger: SWAGGER_UI_VERSION,
    css: fileVersion(css),
    js: fileVersion(ours['api-docs.js']),
    ownCss: fileVersion(ours['api-docs.css']),
  };

  const apis: ApiReference[] = [
    { id: 'life-events-api', title: 'Life events API', documentUrl: '/api/openapi.json' },
    {
      id: 'admin-api',
      title: 'Admin API',
      documentUrl: '/admin/api/openapi.json',
      ...(options.adminApi
        ? {}
        : { absent: 'This hub has no admin API: it is switched on by setting GOVBRIDGE_ADMIN_TOKEN.' }),
    },
  ];

  app.get('/api/docs', (_request, reply) =>
    reply.view('api-docs/api-docs.njk', { apis, assets: ASSETS, versions }),
  );

  app.get(`${ASSETS}/swagger-ui.css`, (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', YEAR).send(css),
  );
  app.get<{ Params: { name: string } }>(`${ASSETS}/images/:name`, (request, reply) => {
    const image = images.get(request.params.name);
    if (!image) throw new GovbridgeError('not_found', 'No such image');
    return reply.type(image.type).header('cache-control', YEAR).send(image.body);
  });
  app.get(`${ASSETS}/swagger-ui-bundle.js`, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', YEAR).send(bundle),
  );
  app.get(`${ASSETS}/api-docs.js`, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', YEAR).send(ours['api-docs.js']),
  );
  app.get(`${ASSETS}/api-docs.css`, (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', YEAR).send(ours['api-docs.css']),
  );
}

export const apiDocs: FastifyPluginAsync<ApiDocsOptions> = Object.assign(apiDocsPlugin, {
  [Symbol.for('fastify.display-name')]: 'govbridge-api-docs',
});
