import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';
import type { AgencyRegistry, NotificationOperator } from '../../notifications/index.ts';
import type { Actor, OperatorActions } from '../../operator/index.ts';
import {
  buildOpenApiDocument,
  type CollectedRoute,
  collectRoute,
  documented,
} from '../api-docs/openapi-document.ts';
import {
  agencyIdParams,
  agencyListSchema,
  agencySchema,
  agencyStatusSchema,
  jsonResponse,
  ledgerStateSchema,
  NAMED_SCHEMAS,
  notificationDetailSchema,
  notificationIdParams,
  notificationListSchema,
  notificationQuery,
  problemResponses,
  queueListSchema,
  registrationSchema,
  replayedSchema,
} from './schemas.ts';
import { adminValidatorCompiler, formatAdminSchemaErrors } from './validation.ts';

/**
 * The operator API for Tell Us Once, under `/admin/api/`: agencies (register, list, suspend, resume),
 * notification queues, failures, dead letters and replay, the ledger's problems and the metrics
 * exposition. Bearer token (GOVBRIDGE_ADMIN_TOKEN);
 * without one configured the routes do not exist. Errors are problem+json. Nothing here returns
 * personal data: field names, states and failure reasons only.
 *
 * Every route has a schema (schemas.ts) that validates its params, query and body and serialises
 * its answer; `GET /admin/api/openapi.json` is the OpenAPI 3.1 document generated from them, and the
 * one route that needs no token: it describes the API, it holds nothing of the hub's.
 */
export interface AdminApiOptions {
  token: string;
  agencies: AgencyRegistry;
  operator: NotificationOperator;
  /**
   * Changes (suspend, resume, replay) go through the operator actions, so each is in the audit trail
   * (ADR 18) under the API's bearer token as the actor.
   */
  actions: Pick<OperatorActions, 'setAgencyStatus' | 'replay'>;
  /**
   * The transparency ledger's state for the operator: problems start-up repairs or witnesses found
   * (release ids, witness URLs and the check that failed; no personal data) and each witness's status.
   */
  ledger?: { problems(): Promise<unknown[]>; witnesses(): Promise<unknown[]> };
  /**
   * The hub's metrics (ADR 14), served at `GET /admin/api/metrics` behind the token: the same
   * exposition as the metrics listener, for a deployment that scrapes through the admin token
   * instead of opening GOVBRIDGE_METRICS_PORT.
   */
  metrics?: { render(): Promise<string>; readonly contentType: string };
}

const ADMIN_BODY_LIMIT = 64 * 1024;

/** Who the audit trail names for a change made through this API: whoever holds the bearer token. */
const API_ACTOR: Actor = {
  subject: 'admin-api',
  name: 'operator API (bearer token)',
  role: 'operator',
  via: 'api-token',
};

/** The bearer scheme's name in the document (`components/securitySchemes`). */
const BEARER = 'operatorToken';

const OPENAPI_DESCRIPTION = [
  'The operator API of a govbridge hub, for Tell Us Once: agencies (register, suspend, resume), notification queues, failed attempts, dead letters and replay, the transparency ledger’s problems and the metrics exposition.',
  'Every operation needs the operator bearer token: `Authorization: Bearer $GOVBRIDGE_ADMIN_TOKEN`. Without `GOVBRIDGE_ADMIN_TOKEN` the hub has no admin API at all (404). This document is the one route without the token.',
  'Nothing here returns personal data: field names, states and failure reasons only. Errors are RFC 9457 `application/problem+json` whose `detail` names each field and why.',
].join('\n\n');

function authorised(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type AgencyParams = { Params: { agencyId: string } };
type NotificationParams = { Params: { notificationId: string } };

/** Requires the token unless a route says `config: { withoutToken: true }`. */
declare module 'fastify' {
  interface FastifyContextConfig {
    withoutToken?: boolean;
  }
}

export const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app, options) => {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (route) => collectRoute(routes, route));
  app.setValidatorCompiler(adminValidatorCompiler);
  app.setSchemaErrorFormatter(formatAdminSchemaErrors);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (request.routeOptions.config.withoutToken === true) return;
    if (!authorised(request, options.token)) {
      reply.header('www-authenticate', 'Bearer realm="govbridge-admin"');
      throw new GovbridgeError('unauthorized', 'A valid operator bearer token is required', { status: 401 });
    }
  });

  const agencyTags = ['agencies'];
  const notificationTags = ['notifications'];

  app.get(
    '/agencies',
    {
      schema: documented({
        operationId: 'listAgencies',
        summary: 'The agencies',
        description: 'Every registered agency, by country then id, with its subscriptions.',
        tags: agencyTags,
        response: { 200: jsonResponse('The agencies.', agencyListSchema), ...problemResponses(401) },
      }),
    },
    async () => ({ agencies: await options.agencies.list() }),
  );

  const metrics = options.metrics;
  if (metrics) {
    app.get(
      '/metrics',
      {
        schema: documented({
          operationId: 'getMetrics',
          summary: 'The metrics',
          description:
            'The Prometheus exposition, as on the metrics listener (GOVBRIDGE_METRICS_PORT), for a deployment that scrapes through the operator token.',
          tags: ['operations'],
          response: {
            200: {
              description: 'The Prometheus text exposition format.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...problemResponses(401),
          },
        }),
      },
      async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
    );
  }

  const ledger = options.ledger;
  if (ledger) {
    app.get(
      '/ledger/problems',
      {
        schema: documented({
          operationId: 'getLedgerProblems',
          summary: 'The ledger’s problems and witnesses',
          description:
            'What start-up repairs and witnesses found wrong with the transparency ledger and could not repair (release ids, witness URLs and the check that failed; no personal data), and the state of each witness.',
          tags: ['operations'],
          response: {
            200: jsonResponse('Problems and witnesses.', ledgerStateSchema),
            ...problemResponses(401),
          },
        }),
      },
      async () => ({ problems: await ledger.problems(), witnesses: await ledger.witnesses() }),
    );
  }

  app.get<AgencyParams>(
    '/agencies/:agencyId',
    {
      schema: documented({
        operationId: 'getAgency',
        summary: 'One agency',
        tags: agencyTags,
        params: agencyIdParams,
        response: { 200: jsonResponse('The agency.', agencySchema), ...problemResponses(400, 401, 404) },
      }),
    },
    async (request) => {
      const id = request.params.agencyId;
      const agency = await options.agencies.get(id);
      if (!agency) throw new GovbridgeError('not_found', `No agency "${id}"`);
      return agency;
    },
  );

  // Register or replace an agency: the body is the registration (docs/tell-us-once.md).
  app.put<AgencyParams & { Body: Record<string, unknown> }>(
    '/agencies/:agencyId',
    {
      bodyLimit: ADMIN_BODY_LIMIT,
      schema: documented({
        operationId: 'registerAgency',
        summary: 'Register or replace an agency',
        description:
          'Creates the agency (201) or replaces its registration (200). Every problem is listed in `detail`.',
        tags: agencyTags,
        params: agencyIdParams,
        body: registrationSchema,
        response: {
          200: jsonResponse('The registration was replaced.', agencySchema),
          201: jsonResponse('The agency was registered.', agencySchema),
          ...problemResponses(400, 401, 413, 415),
        },
      }),
    },
    async (request, reply) => {
      const id = request.params.agencyId;
      const existing = await options.agencies.get(id);
      // The path names the agency: an agencyId in the body is replaced by it.
      const agency = await options.agencies.register({ ...request.body, agencyId: id });
      return reply.code(existing ? 200 : 201).send(agency);
    },
  );

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['resume', 'active'],
  ] as const) {
    app.post<AgencyParams>(
      `/agencies/:agencyId/${action}`,
      {
        schema: documented({
          operationId: `${action}Agency`,
          summary: action === 'suspend' ? 'Suspend an agency' : 'Resume an agency',
          description:
            action === 'suspend'
              ? 'A suspended agency is offered no new reports; notifications already queued stay.'
              : 'The agency is offered new reports again.',
          tags: agencyTags,
          params: agencyIdParams,
          response: {
            200: jsonResponse('The agency’s new status.', agencyStatusSchema),
            ...problemResponses(400, 401, 404),
          },
        }),
      },
      async (request) => {
        const id = request.params.agencyId;
        await options.actions.setAgencyStatus(API_ACTOR, id, status);
        return { agencyId: id, status };
      },
    );
  }

  // Replay every dead letter of one agency.
  app.post<AgencyParams>(
    '/agencies/:agencyId/replay',
    {
      schema: documented({
        operationId: 'replayAgencyDeadLetters',
        summary: 'Replay an agency’s dead letters',
        description: 'Each dead letter to the agency gets its attempts again and is due now.',
        tags: agencyTags,
        params: agencyIdParams,
        response: {
          200: jsonResponse('How many were replayed.', replayedSchema),
          ...problemResponses(400, 401, 404),
        },
      }),
    },
    async (request) => {
      const id = request.params.agencyId;
      if (!(await options.agencies.get(id))) throw new GovbridgeError('not_found', `No agency "${id}"`);
      return { replayed: await options.actions.replay(API_ACTOR, { agencyId: id }) };
    },
  );

  app.get(
    '/notifications/queues',
    {
      schema: documented({
        operationId: 'listQueues',
        summary: 'The notification queues',
        description: 'How many notifications each agency has in each state, and the oldest.',
        tags: notificationTags,
        response: { 200: jsonResponse('The queues.', queueListSchema), ...problemResponses(401) },
      }),
    },
    async () => ({ queues: await options.operator.queues() }),
  );

  app.get<{ Querystring: { state?: string; agency?: string; limit: number } }>(
    '/notifications',
    {
      schema: documented({
        operationId: 'listNotifications',
        summary: 'Notifications',
        description: 'Newest first, filtered by state and agency when given.',
        tags: notificationTags,
        querystring: notificationQuery,
        response: {
          200: jsonResponse('The notifications.', notificationListSchema),
          ...problemResponses(400, 401),
        },
      }),
    },
    async (request) => {
      const { state, agency, limit } = request.query;
      return {
        notifications: await options.operator.list({
          limit,
          ...(state !== undefined ? { state } : {}),
          ...(agency !== undefined ? { agencyId: agency } : {}),
        }),
      };
    },
  );

  app.get<NotificationParams>(
    '/notifications/:notificationId',
    {
      schema: documented({
        operationId: 'getNotification',
        summary: 'One notification',
        description: 'Its state, and every failed attempt with the status and reason.',
        tags: notificationTags,
        params: notificationIdParams,
        response: {
          200: jsonResponse('The notification.', notificationDetailSchema),
          ...problemResponses(400, 401, 404),
        },
      }),
    },
    async (request) => options.operator.get(request.params.notificationId),
  );

  app.post<NotificationParams>(
    '/notifications/:notificationId/replay',
    {
      schema: documented({
        operationId: 'replayNotification',
        summary: 'Replay a dead letter',
        description:
          'Only a dead letter is replayed; a delivered notification is never sent twice on purpose.',
        tags: notificationTags,
        params: notificationIdParams,
        response: {
          200: jsonResponse('How many were replayed (1).', replayedSchema),
          ...problemResponses(400, 401, 404, 409),
        },
      }),
    },
    async (request) => ({
      replayed: await options.actions.replay(API_ACTOR, { notificationId: request.params.notificationId }),
    }),
  );

  let document: unknown;
  app.get(
    '/openapi.json',
    {
      config: { withoutToken: true },
      schema: documented({
        operationId: 'getAdminOpenApiDocument',
        summary: 'This document',
        description:
          'The OpenAPI 3.1 document of this API, generated from the route schemas. No token needed.',
        tags: ['meta'],
        security: [],
        response: {
          200: jsonResponse('The OpenAPI document.', { type: 'object', additionalProperties: true }),
        },
      }),
    },
    async (_request, reply) => {
      document ??= buildOpenApiDocument(routes, {
        info: { title: 'govbridge admin API', version: '1.0.0', description: OPENAPI_DESCRIPTION },
        namedSchemas: NAMED_SCHEMAS,
        securitySchemes: {
          [BEARER]: {
            type: 'http',
            scheme: 'bearer',
            description: 'The operator token, GOVBRIDGE_ADMIN_TOKEN (at least 32 characters).',
          },
        },
        security: [{ [BEARER]: [] }],
      });
      // The document changes only with the code: a short public cache, not the API's no-store.
      reply.header('cache-control', 'public, max-age=300');
      return document;
    },
  );
};
