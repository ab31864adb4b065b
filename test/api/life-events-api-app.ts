import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { type Catalogue, loadCatalogue } from '../../src/life-events/index.ts';
import { buildWebTestApp } from '../../src/web/index.ts';
import { lifeEventsApi } from '../../src/web/life-events-api/index.ts';

/** The real catalogue, loaded once per test file. */
export const catalogue: Catalogue = loadCatalogue(fileURLToPath(new URL('../../catalogue', import.meta.url)));

/** A fixed "today" so that future-date checks do not depend on the day the tests run. */
export const TODAY = '2025-06-30';

export interface ApiTestApp {
  app: FastifyInstance;
  /** Every route registered by the plugin (as Fastify saw it), for the OpenAPI test. */
  routes: RouteOptions[];
}

/** The web foundation plus the life-events API under /api, as app.ts wires it. */
export async function buildApiApp(options: { catalogue?: Catalogue } = {}): Promise<ApiTestApp> {
  const routes: RouteOptions[] = [];
  const { app } = await buildWebTestApp({
    routes: async (child) => {
      child.addHook('onRoute', (route) => {
        routes.push(route);
      });
      await child.register(lifeEventsApi, {
        prefix: '/api',
        catalogue: options.catalogue ?? catalogue,
        today: () => TODAY,
      });
    },
  });
  return { app, routes };
}

/**
 * A copy of the catalogue whose event marks its date as never in the future (`eventDate.notFuture`),
 * as the catalogue does for a date of death once its event schema carries the marker.
 */
export function withEventDateNotFuture(source: Catalogue, eventId: string): Catalogue {
  const events = new Map(source.events);
  const event = events.get(eventId);
  assert.ok(event, `no event ${eventId}`);
  events.set(eventId, { ...event, eventDate: Object.assign({}, event.eventDate, { notFuture: true }) });
  return { ...source, events };
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

/** Assert an RFC 9457 problem+json response with this status and code; returns it. */
export function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown },
  status: number,
  code: string,
  detail?: RegExp,
): Problem {
  assert.equal(response.statusCode, status);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.json() as Problem;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'status', 'title', 'type']);
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.type, `urn:govbridge:problem:${code}`);
  assert.equal(typeof body.title, 'string');
  if (detail) assert.match(body.detail, detail);
  return body;
}

export function journeyUrl(eventId: string, trace = false): string {
  return `/api/life-events/${eventId}/journey${trace ? '?trace=true' : ''}`;
}
