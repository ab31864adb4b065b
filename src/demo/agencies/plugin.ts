import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Views } from '../views.ts';
import type { AgencyKeys } from './agency-keys.ts';
import type { InboxStore } from './inbox-store.ts';
import { attributeRows, EVENT_LABELS, entitlementText, govukDate, govukDateTime } from './presentation.ts';
import { type NotificationProblem, problemBody, problemStatus } from './problems.ts';
import { type HubKeys, receiveNotification } from './receive-notification.ts';
import { type AgencyDefinition, type AgencySubscription, NOTIFICATION_EVENT_TYPES } from './types.ts';

/**
 * The demo agencies as one Fastify plugin, mounted at `/demo/agencies`:
 *
 *   GET  /                    every agency by country: what it is entitled to, how many received
 *   GET  /:id                 what one agency received, newest first; duplicates dropped
 *   POST /:id/notifications   the agency's Tell Us Once endpoint (receive-notification.ts)
 *
 * The endpoint answers 202 for a new notification and 200 for one already recorded (both 2xx, so
 * the hub stops retrying), or an RFC 9457 problem (problems.ts) and records nothing.
 */
export interface DemoAgency {
  readonly definition: AgencyDefinition;
  readonly keys: AgencyKeys;
}

export interface AgenciesPluginOptions {
  readonly agencies: readonly DemoAgency[];
  readonly inbox: InboxStore;
  readonly hubKeys: HubKeys;
  /** The CloudEvents `source` the hub signs: `<hub public URL>/notifications`. */
  readonly expectedSource: string;
  /** The pages' path as the browser sees it, e.g. `/demo/agencies`. */
  readonly basePath: string;
  readonly views: Views;
}

/** A notification is a few kilobytes; the cap leaves room for growth and refuses anything absurd. */
export const MAX_NOTIFICATION_BYTES = 256 * 1024;

/** How many notifications an agency's page shows. */
export const INBOX_PAGE_SIZE = 50;

const SERVICE_NAME = 'Tell Us Once — demo agencies';

export function agenciesPlugin(options: AgenciesPluginOptions): FastifyPluginAsync {
  const { agencies, inbox, views, basePath } = options;
  const byId = new Map(agencies.map((agency) => [agency.definition.agencyId, agency]));

  const render = (
    reply: FastifyReply,
    template: string,
    context: Record<string, unknown>,
    agencyName = 'govbridge demo agencies',
    status = 200,
  ) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        views.render(template, {
          demo: { agency: agencyName, serviceName: SERVICE_NAME, basePath },
          ...context,
        }),
      );

  const sendProblem = (reply: FastifyReply, problem: NotificationProblem) => {
    const status = problemStatus(problem.code);
    if (status === 401) reply.header('www-authenticate', 'Govbridge-Signature');
    if (status === 503) reply.header('retry-after', '30');
    return reply
      .code(status)
      .type('application/problem+json; charset=utf-8')
      .send(JSON.stringify(problemBody(problem)));
  };

  return async (app) => {
    // The receiver needs the exact bytes the signature covers, whatever the content type says (it
    // checks that itself, to answer 415 in its own words): one raw parser, for this plugin only.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: MAX_NOTIFICATION_BYTES },
      (_req, body, done) => done(null, body),
    );

    // Pages carry personal data, answers are about one delivery: never cached, never a referrer.
    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('cache-control', 'no-store');
      reply.header('referrer-policy', 'no-referrer');
      return payload;
    });

    app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
      const status = (error as { statusCode?: unknown } | null)?.statusCode;
      const code = (error as { code?: unknown } | null)?.code;
      const clientError = typeof status === 'number' && status >= 400 && status < 500;
      if (clientError) request.log.info({ errorCode: code, statusCode: status }, 'demo agency: client error');
      else {
        // Message and stack only: never `cause` or the request, which may hold personal data.
        const detail =
          error instanceof Error ? { errorName: error.name, message: error.message, stack: error.stack } : {};
        request.log.error(detail, 'demo agency error');
      }
      if (request.method === 'POST') {
        if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, { code: 'payload_too_large' });
        return sendProblem(reply, clientError ? { code: 'event_malformed' } : { code: 'server_error' });
      }
      return render(reply, 'agency-problem.njk', {}, undefined, 500);
    });

    app.get('/', async (_request, reply) => {
      const counts = await inbox.counts();
      const countries = (['GB', 'SG'] as const).map((country) => ({
        name: country === 'GB' ? 'United Kingdom' : 'Singapore',
        agencies: agencies
          .filter((agency) => agency.definition.country === country)
          .map(({ definition }) => {
            const count = counts.get(definition.agencyId) ?? { received: 0, duplicates: 0 };
            return {
              name: definition.name,
              href: `${basePath}/${definition.agencyId}`,
              rows: [
                { key: { text: 'What it does' }, value: { text: definition.description } },
                { key: { text: 'Hosting environment' }, value: { text: definition.environment } },
                ...displayOrder(definition.subscriptions).map((subscription) => ({
                  key: { text: `Told of: ${EVENT_LABELS[subscription.eventType].toLowerCase()}` },
                  value: { text: entitlementText(subscription) },
                })),
                {
                  key: { text: 'Notifications received' },
                  value: { text: receivedText(count.received, count.duplicates) },
                },
              ],
            };
          }),
      }));
      return render(reply, 'agency-list.njk', { countries });
    });

    app.get<{ Params: { agencyId: string } }>('/:agencyId', async (request, reply) => {
      const agency = byId.get(request.params.agencyId);
      if (!agency) return render(reply, 'agency-not-found.njk', {}, undefined, 404);
      const { definition, keys } = agency;
      const entries = await inbox.list(definition.agencyId, keys.sealingKey, INBOX_PAGE_SIZE);
      const count = (await inbox.counts()).get(definition.agencyId) ?? { received: 0, duplicates: 0 };
      const order = (eventType: string) =>
        definition.subscriptions.find((s) => s.eventType === eventType)?.attributes ?? [];
      return render(
        reply,
        'agency-inbox.njk',
        {
          definition,
          country: definition.country === 'GB' ? 'United Kingdom' : 'Singapore',
          received: count.received,
          duplicateNote: duplicateNote(count.duplicates),
          shown: entries.length,
          entitlements: displayOrder(definition.subscriptions).map((subscription) => ({
            key: { text: EVENT_LABELS[subscription.eventType] },
            value: { text: entitlementText(subscription) },
          })),
          notifications: entries.map((entry) => {
            const received = govukDateTime(entry.receivedAt, definition.country);
            return {
              title: `${EVENT_LABELS[entry.eventType]}, received ${received}`,
              rows: [
                { key: { text: 'Event' }, value: { text: EVENT_LABELS[entry.eventType] } },
                { key: { text: 'Received' }, value: { text: received } },
                { key: { text: 'Report id' }, value: { text: entry.subject } },
                { key: { text: 'Event id' }, value: { text: entry.eventId } },
                ...(entry.occurredOn
                  ? [{ key: { text: 'Date it happened' }, value: { text: govukDate(entry.occurredOn) } }]
                  : []),
                ...attributeRows(entry.attributes, order(entry.eventType)).map((row) => ({
                  key: { text: row.label },
                  value: { text: row.value },
                })),
                ...(entry.duplicates > 0
                  ? [
                      {
                        key: { text: 'Duplicate deliveries dropped' },
                        value: { text: String(entry.duplicates) },
                      },
                    ]
                  : []),
              ],
            };
          }),
        },
        definition.name,
      );
    });

    // Fastify logs the request line (no personal data in it); the outcome is logged below as
    // machine words and ids only, never the body or anything decrypted from it.
    app.post<{ Params: { agencyId: string } }>(
      '/:agencyId/notifications',
      { bodyLimit: MAX_NOTIFICATION_BYTES },
      async (request, reply) => {
        const agency = byId.get(request.params.agencyId);
        if (!agency) return sendProblem(reply, { code: 'unknown_agency' });
        const { definition, keys } = agency;
        const result = await receiveNotification(
          {
            contentType: request.headers['content-type'],
            idempotencyKey: singleHeader(request.headers['idempotency-key']),
            signature: singleHeader(request.headers['govbridge-signature']),
            body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          },
          {
            agency: {
              agencyId: definition.agencyId,
              kid: keys.kid,
              decryptionKey: keys.decryptionKey,
              subscriptions: definition.subscriptions,
            },
            hubKeys: options.hubKeys,
            expectedSource: options.expectedSource,
          },
        );
        if (!result.ok) {
          request.log.info(
            { agency: definition.agencyId, problem: result.error.code, reason: result.error.reason },
            'demo agency refused a notification',
          );
          return sendProblem(reply, result.error);
        }
        const notification = result.value;
        const outcome = await inbox.record(definition.agencyId, keys.sealingKey, notification, Date.now());
        request.log.info(
          {
            agency: definition.agencyId,
            eventId: notification.eventId,
            eventType: notification.eventType,
            outcome,
          },
          'demo agency received a notification',
        );
        return reply
          .code(outcome === 'new' ? 202 : 200)
          .send({ status: outcome === 'new' ? 'accepted' : 'duplicate', id: notification.eventId });
      },
    );
  };
}

/** Subscriptions in one order on every page: death, birth, moving abroad. */
function displayOrder(subscriptions: readonly AgencySubscription[]): AgencySubscription[] {
  const rank = (s: AgencySubscription) => NOTIFICATION_EVENT_TYPES.indexOf(s.eventType);
  return [...subscriptions].sort((a, b) => rank(a) - rank(b));
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function duplicateNote(duplicates: number): string | undefined {
  if (duplicates === 0) return undefined;
  const copies = duplicates === 1 ? '1 duplicate delivery was' : `${duplicates} duplicate deliveries were`;
  return `${copies} dropped. The hub sends a notification again when it does not get an answer in time; this agency recognises a copy by its event id and records every notification only once.`;
}

function receivedText(received: number, duplicates: number): string {
  const main = received === 0 ? 'None yet' : String(received);
  if (duplicates === 0) return main;
  return `${main} (${duplicates} duplicate ${duplicates === 1 ? 'delivery' : 'deliveries'} dropped)`;
}
