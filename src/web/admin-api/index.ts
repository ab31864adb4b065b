import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';
import type { AgencyRegistry, NotificationOperator } from '../../notifications/index.ts';

/**
 * The operator API for Tell Us Once, under `/admin/api/`: agencies (register, list, suspend, resume),
 * notification queues, failures, dead letters and replay, the ledger's problems and the metrics
 * exposition. Bearer token (GOVBRIDGE_ADMIN_TOKEN);
 * without one configured the routes do not exist. Errors are problem+json. Nothing here returns
 * personal data: field names, states and failure reasons only.
 */
export interface AdminApiOptions {
  token: string;
  agencies: AgencyRegistry;
  operator: NotificationOperator;
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

function authorised(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function param(value: unknown, name: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(value)) {
    throw new GovbridgeError('bad_request', `${name} is not valid`);
  }
  return value;
}

export const adminApi: FastifyPluginAsync<AdminApiOptions> = async (app, options) => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!authorised(request, options.token)) {
      reply.header('www-authenticate', 'Bearer realm="govbridge-admin"');
      throw new GovbridgeError('unauthorized', 'A valid operator bearer token is required', { status: 401 });
    }
  });

  app.get('/agencies', async () => ({ agencies: await options.agencies.list() }));

  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.render()),
    );
  }

  const ledger = options.ledger;
  if (ledger) {
    app.get('/ledger/problems', async () => ({
      problems: await ledger.problems(),
      witnesses: await ledger.witnesses(),
    }));
  }

  app.get('/agencies/:agencyId', async (request) => {
    const id = param((request.params as { agencyId?: unknown }).agencyId, 'agencyId');
    const agency = await options.agencies.get(id);
    if (!agency) throw new GovbridgeError('not_found', `No agency "${id}"`);
    return agency;
  });

  // Register or replace an agency: the body is the registration (docs/tell-us-once.md).
  app.put('/agencies/:agencyId', { bodyLimit: ADMIN_BODY_LIMIT }, async (request, reply) => {
    const id = param((request.params as { agencyId?: unknown }).agencyId, 'agencyId');
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new GovbridgeError('bad_request', 'The body must be a JSON object (an agency registration)');
    }
    const existing = await options.agencies.get(id);
    const agency = await options.agencies.register({ ...(body as Record<string, unknown>), agencyId: id });
    return reply.code(existing ? 200 : 201).send(agency);
  });

  app.post('/agencies/:agencyId/suspend', async (request) => {
    const id = param((request.params as { agencyId?: unknown }).agencyId, 'agencyId');
    await options.agencies.setStatus(id, 'suspended');
    return { agencyId: id, status: 'suspended' };
  });

  app.post('/agencies/:agencyId/resume', async (request) => {
    const id = param((request.params as { agencyId?: unknown }).agencyId, 'agencyId');
    await options.agencies.setStatus(id, 'active');
    return { agencyId: id, status: 'active' };
  });

  // Replay every dead letter of one agency.
  app.post('/agencies/:agencyId/replay', async (request) => {
    const id = param((request.params as { agencyId?: unknown }).agencyId, 'agencyId');
    if (!(await options.agencies.get(id))) throw new GovbridgeError('not_found', `No agency "${id}"`);
    return { replayed: await options.operator.replay({ agencyId: id }) };
  });

  app.get('/notifications/queues', async () => ({ queues: await options.operator.queues() }));

  app.get('/notifications', async (request) => {
    const q = request.query as { state?: unknown; agency?: unknown; limit?: unknown };
    const filter: { state?: string; agencyId?: string; limit?: number } = {};
    if (q.state !== undefined) filter.state = param(q.state, 'state');
    if (q.agency !== undefined) filter.agencyId = param(q.agency, 'agency');
    if (q.limit !== undefined) {
      const n = Number(q.limit);
      if (!Number.isInteger(n) || n < 1 || n > 1000) {
        throw new GovbridgeError('bad_request', 'limit must be a whole number from 1 to 1000');
      }
      filter.limit = n;
    }
    return { notifications: await options.operator.list(filter) };
  });

  app.get('/notifications/:notificationId', async (request) =>
    options.operator.get(
      param((request.params as { notificationId?: unknown }).notificationId, 'notificationId'),
    ),
  );

  app.post('/notifications/:notificationId/replay', async (request) => ({
    replayed: await options.operator.replay({
      notificationId: param(
        (request.params as { notificationId?: unknown }).notificationId,
        'notificationId',
      ),
    }),
  }));
};
