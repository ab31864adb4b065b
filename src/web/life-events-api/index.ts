import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';
import { type Catalogue, evaluateJourney, type LifeEvent } from '../../life-events/index.ts';
import {
  checkEventDateNotFuture,
  eventDateNotFuture,
  type JourneyBody,
  mergeFacts,
} from './journey-request.ts';
import { buildOpenApiDocument, type CollectedRoute, collectRoute, type DocumentedSchema } from './openapi.ts';
import {
  API_BODY_LIMIT,
  eventDetailSchema,
  eventIdParams,
  eventListSchema,
  journeyBodySchema,
  journeySchema,
  jsonResponse,
  problemResponses,
  traceQuery,
} from './schemas.ts';
import { formatSchemaErrors } from './validation-errors.ts';

/**
 * The life-events JSON API, so that agency services can embed personalised journeys: the events,
 * one event with its services and questions, a journey for a citizen's answers (with verified data
 * winning over contradicting answers, and `?trace=true` for each decision's structured trace), and
 * the OpenAPI 3.1 document generated from these routes' schemas.
 *
 * Register under `/api` (so errors are problem+json through the web layer's one mapping), after
 * webFoundation: `app.register(lifeEventsApi, { prefix: '/api', catalogue })`.
 */

export interface LifeEventsApiOptions {
  catalogue: Catalogue;
  /** Today as `YYYY-MM-DD`, for dates that must not be in the future. Default: today in Singapore. */
  today?: () => string;
}

/**
 * Today in Singapore (UTC+8), the later of the hub's two countries' calendars: a death that happened
 * "today" anywhere the hub serves is never rejected as being in the future.
 */
export function todayInSingapore(): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Singapore',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

const OPENAPI_DESCRIPTION = [
  'Personalised life-event journeys from the govbridge catalogue (UK and Singapore), for agency services to embed.',
  'A journey says, for each service of the event, whether the citizen is eligible, what is still missing, the deadline and the amount (with currency and period), in plain words (`explanation`) and, with `?trace=true`, as a structured trace of every rule: the expression, the facts it read and the parameters in force on the event date with their source.',
  'Verified values (`verified`) win over answers that contradict them; the response lists each conflict. For now the calling agency service supplies verified values; a later version takes them from the citizen’s consented sign-in.',
  'Every answer carries `catalogueVersion`: the version of the rules catalogue (services, facts, dated parameters and rules) that gave it, raised with every change to the catalogue.',
  'Errors are RFC 9457 `application/problem+json` whose `detail` names the field.',
].join('\n\n');

function eventOr404(catalogue: Catalogue, eventId: string): LifeEvent {
  const event = catalogue.events.get(eventId);
  if (!event) {
    throw new GovbridgeError('not_found', `There is no life event "${eventId}"`, { detail: { eventId } });
  }
  return event;
}

function eventSummary(catalogue: Catalogue, event: LifeEvent) {
  return {
    id: event.id,
    name: event.name,
    description: event.description,
    countries: event.countries,
    services: event.services.map((id) => {
      const service = catalogue.services.get(id)!;
      const agency = catalogue.agencies.get(service.agency)!;
      return {
        id,
        name: service.name,
        agency: { id: agency.id, name: agency.name },
        country: service.country,
      };
    }),
  };
}

function eventDetail(catalogue: Catalogue, event: LifeEvent) {
  const usedBy = new Map<string, string[]>();
  const services = event.services.map((id) => {
    const service = catalogue.services.get(id)!;
    for (const factId of service.facts) {
      const list = usedBy.get(factId) ?? [];
      list.push(id);
      usedBy.set(factId, list);
    }
    const agency = catalogue.agencies.get(service.agency)!;
    return {
      id,
      name: service.name,
      agency: { id: agency.id, name: agency.name, website: agency.website },
      country: service.country,
      description: service.description,
      howToApply: service.howToApply,
      url: service.url,
      sources: service.sources,
    };
  });
  const questions = [...usedBy].map(([factId, services]) => {
    const { id: _id, ...fact } = catalogue.facts.get(factId)!;
    return { factId, ...fact, usedBy: services };
  });
  return {
    catalogueVersion: catalogue.version,
    id: event.id,
    name: event.name,
    description: event.description,
    eventDate: { question: event.eventDate.question, notFuture: eventDateNotFuture(event) },
    countries: event.countries,
    services,
    questions,
  };
}

/** Journey requests must be JSON; a form post or text would otherwise reach the schema as strings. */
function requireJson(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new GovbridgeError(
      'bad_request',
      'Send the journey as JSON, with the header Content-Type: application/json',
      { status: 415 },
    );
  }
}

/** A clear 413 before reading a body whose declared length is over the limit (bodyLimit backs it up). */
function rejectOversized(request: FastifyRequest): void {
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length > API_BODY_LIMIT) {
    throw new GovbridgeError(
      'payload_too_large',
      `The request body is ${length} bytes; these routes accept at most ${API_BODY_LIMIT} bytes (64 KiB)`,
    );
  }
}

async function lifeEventsApiPlugin(app: FastifyInstance, options: LifeEventsApiOptions): Promise<void> {
  if (app.prefix !== '/api' && !app.prefix.startsWith('/api/')) {
    // Only /api/ paths get problem+json from the one error mapping; elsewhere errors would be pages.
    throw new GovbridgeError(
      'config_invalid',
      `lifeEventsApi must be registered under /api (register it with { prefix: '/api' }), not "${app.prefix}"`,
    );
  }
  const { catalogue } = options;
  const today = options.today ?? todayInSingapore;
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route) => collectRoute(routes, route));
  app.setSchemaErrorFormatter(formatSchemaErrors);

  const listSchema: DocumentedSchema = {
    operationId: 'listLifeEvents',
    summary: 'The life events',
    description: 'Every life event with its services, in journey order, with agency and country.',
    tags: ['life events'],
    response: { 200: jsonResponse('The life events.', eventListSchema) },
  };
  // The catalogue is read once at start: its descriptions may be cached briefly; journeys never.
  const CATALOGUE_CACHE = 'public, max-age=300';
  app.get('/life-events', { schema: listSchema }, async (_request, reply) => {
    reply.header('cache-control', CATALOGUE_CACHE);
    return {
      catalogueVersion: catalogue.version,
      events: [...catalogue.events.values()].map((e) => eventSummary(catalogue, e)),
    };
  });

  const eventSchema: DocumentedSchema = {
    operationId: 'getLifeEvent',
    summary: 'One life event',
    description:
      'The event with its services (what each does, how to apply, the official page and sources) and every question (fact) its journey may ask, with type and constraints.',
    tags: ['life events'],
    params: eventIdParams,
    response: { 200: jsonResponse('The life event.', eventDetailSchema), ...problemResponses(400, 404) },
  };
  app.get<{ Params: { eventId: string } }>(
    '/life-events/:eventId',
    { schema: eventSchema },
    async (request, reply) => {
      const detail = eventDetail(catalogue, eventOr404(catalogue, request.params.eventId));
      reply.header('cache-control', CATALOGUE_CACHE);
      return detail;
    },
  );

  const journeyRouteSchema: DocumentedSchema = {
    operationId: 'evaluateJourney',
    summary: 'A personalised journey',
    description:
      "For the citizen's answers (and verified data, which wins over a contradicting answer), each service's eligibility, missing facts, deadline, amount and explanation; the questions still to ask; where each fact came from; and the conflicts. `?trace=true` adds each decision's structured trace. The parameters are those in force on the event date.",
    tags: ['life events'],
    params: eventIdParams,
    querystring: traceQuery,
    body: journeyBodySchema(catalogue),
    response: {
      200: jsonResponse('The journey.', journeySchema),
      ...problemResponses(400, 404, 413, 415),
    },
  };
  app.post<{ Params: { eventId: string }; Querystring: { trace?: boolean }; Body: JourneyBody }>(
    '/life-events/:eventId/journey',
    {
      schema: journeyRouteSchema,
      bodyLimit: API_BODY_LIMIT,
      onRequest: async (request) => {
        rejectOversized(request);
        requireJson(request);
      },
      // An unknown event is a 404 whatever the body says.
      preValidation: async (request) => {
        eventOr404(catalogue, request.params.eventId);
      },
    },
    async (request, reply) => {
      const event = eventOr404(catalogue, request.params.eventId);
      // A journey carries the citizen's answers: no cache may keep it.
      reply.header('cache-control', 'no-store');
      const now = today();
      const body = request.body;
      checkEventDateNotFuture(event, body.eventDate, now);
      const merged = mergeFacts(catalogue, body, now);
      const journey = evaluateJourney(catalogue, event.id, body.eventDate, merged.facts, { today: now });
      const withTrace = request.query.trace === true;
      return {
        ...journey,
        services: journey.services.map(({ trace, ...decision }) =>
          withTrace ? { ...decision, trace } : decision,
        ),
        facts: merged.sources,
        conflicts: merged.conflicts,
      };
    },
  );

  const openApiSchema: DocumentedSchema = {
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description: 'The OpenAPI 3.1 document of this API, generated from the route schemas.',
    tags: ['meta'],
    response: {
      200: jsonResponse('The OpenAPI document.', { type: 'object', additionalProperties: true }),
    },
  };
  let document: unknown;
  app.get('/openapi.json', { schema: openApiSchema }, async (_request, reply) => {
    document ??= buildOpenApiDocument(routes, {
      title: 'govbridge life events API',
      version: '1.0.0',
      description: OPENAPI_DESCRIPTION,
    });
    reply.header('cache-control', CATALOGUE_CACHE);
    return document;
  });
}

export const lifeEventsApi: FastifyPluginAsync<LifeEventsApiOptions> = Object.assign(lifeEventsApiPlugin, {
  [Symbol.for('fastify.display-name')]: 'govbridge-life-events-api',
});

export { buildOpenApiDocument, type CollectedRoute, openApiPath } from './openapi.ts';
export { API_BODY_LIMIT } from './schemas.ts';
