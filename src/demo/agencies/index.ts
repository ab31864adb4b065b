import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { createRemoteJWKSet, customFetch } from 'jose';
import { GovbridgeError } from '../../kernel/index.ts';
import { createViews } from '../views.ts';
import { deriveAgencyKeys } from './agency-keys.ts';
import { agencyDefinitions } from './definitions.ts';
import { InboxStore } from './inbox-store.ts';
import { agenciesPlugin } from './plugin.ts';
import type { AgencyRegistration, DemoAgenciesOptions } from './types.ts';

export type {
  AgencyRegistration,
  AgencySubscription,
  DemoAgenciesOptions,
  NotificationEventType,
} from './types.ts';

export interface DemoAgencies {
  /** Serves the agencies at `/demo/agencies`; register it without a prefix, at `/demo` or at `/demo/agencies`. */
  readonly plugin: FastifyPluginAsync;
  /** One per agency, for the hub's agency registry (register them before notifications are sent). */
  readonly registrations: AgencyRegistration[];
}

const ROUTE_PREFIX = '/demo/agencies';

/**
 * The demo agencies that receive Tell Us Once notifications (development only, like the demo
 * services): nine fictional UK and Singapore organisations, each with an endpoint that verifies,
 * decrypts and records what the hub sends exactly as a real agency should
 * (docs/receiving-notifications.md), and a page showing what it received. Their keys are derived
 * from `secret` (agency-keys.ts), their inbox is in the hub's database (inbox-store.ts): any hub
 * process can receive for any agency. The hub's JWKS is fetched on the first notification.
 */
export async function createDemoAgencies(options: DemoAgenciesOptions): Promise<DemoAgencies> {
  const publicUrl = parseUrl(options.publicUrl, 'publicUrl');
  const jwksUrl = parseUrl(options.hubJwksUrl, 'hubJwksUrl');
  if (jwksUrl.protocol === 'http:' && !isLoopback(jwksUrl)) {
    throw invalid('hubJwksUrl must be https://, or http:// on 127.0.0.1 or localhost only');
  }
  if (!jwksUrl.pathname.endsWith('/jwks.json')) {
    throw invalid('hubJwksUrl must be the hub’s <public URL>/notifications/jwks.json');
  }
  if (typeof options.secret !== 'string' || options.secret.length < 32) {
    throw invalid('secret must be at least 32 characters');
  }
  if (options.db === undefined || options.db === null) throw invalid('db is required');

  // The hub signs `source: <hub public URL>/notifications`; its JWKS is `<that>/jwks.json`.
  const expectedSource = `${jwksUrl.origin}${jwksUrl.pathname.slice(0, -'/jwks.json'.length)}`;
  const root = `${publicUrl.origin}${publicUrl.pathname.replace(/\/+$/, '')}`;
  const basePath = `${publicUrl.pathname.replace(/\/+$/, '')}${ROUTE_PREFIX}`;

  const agencies = await Promise.all(
    agencyDefinitions.map(async (definition) => ({
      definition,
      keys: await deriveAgencyKeys(options.secret, definition.agencyId),
    })),
  );
  const registrations = agencies.map(
    ({ definition, keys }): AgencyRegistration => ({
      agencyId: definition.agencyId,
      name: definition.name,
      country: definition.country,
      website: definition.website,
      environment: definition.environment,
      endpoint: `${root}${ROUTE_PREFIX}/${definition.agencyId}/notifications`,
      encryptionJwk: keys.encryptionJwk,
      subscriptions: definition.subscriptions.map((s) => ({
        eventType: s.eventType,
        attributes: [...s.attributes],
      })),
    }),
  );

  // Cached by kid; an unknown kid refetches, at most once per cool-down (jose). Nothing is fetched
  // until the first notification arrives: the hub is usually this very process, not listening yet.
  const hubKeys = createRemoteJWKSet(jwksUrl, {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  });

  const routes = agenciesPlugin({
    agencies,
    inbox: new InboxStore(options.db),
    hubKeys,
    expectedSource,
    basePath,
    views: createViews([join(dirname(fileURLToPath(import.meta.url)), 'views')]),
  });
  const plugin: FastifyPluginAsync = async (app) => {
    if (app.prefix !== '' && !`${ROUTE_PREFIX}/`.startsWith(`${app.prefix}/`)) {
      throw invalid(
        `register the agencies plugin without a prefix, at /demo or at ${ROUTE_PREFIX}, not at ${app.prefix}`,
      );
    }
    await app.register(routes, { prefix: ROUTE_PREFIX.slice(app.prefix.length) });
  };
  return { plugin, registrations };
}

function parseUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${name} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid(`${name} must be http:// or https://`);
  return url;
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

function invalid(message: string): GovbridgeError {
  return new GovbridgeError('config_invalid', `Demo agencies: ${message}`, { expose: false });
}
