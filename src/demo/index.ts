import type { FastifyPluginAsync } from 'fastify';
import { GovbridgeError } from '../kernel/index.ts';
import { deriveClientKey } from './client-key.ts';
import { demoDefinitions } from './definitions.ts';
import { allowsInsecureRequests, createHubClient } from './hub-client.ts';
import { demoRegistration, demoUrls } from './registration.ts';
import { relyingPartyPlugin } from './relying-party.ts';
import { createSessionCookie } from './session-cookie.ts';
import type { DemoClientRegistration, DemoServicesOptions } from './types.ts';
import { createViews } from './views.ts';

export {
  type AgencyRegistration,
  type AgencySubscription,
  createDemoAgencies,
  type DemoAgencies,
  type DemoAgenciesOptions,
  type NotificationEventType,
} from './agencies/index.ts';
export type {
  DemoClientRegistration,
  DemoCountry,
  DemoDefinition,
  DemoServicesOptions,
  GovbridgeAcr,
} from './types.ts';

export interface DemoServices {
  /** Serves the demos at `/demo/uk`, `/demo/sg` and `/demo/abroad`; register it without a prefix or with `{ prefix: '/demo' }`. */
  readonly plugin: FastifyPluginAsync;
  /** Client metadata for the hub to register before it serves (one per demo). */
  readonly registrations: DemoClientRegistration[];
}

/**
 * The demo relying parties (development only: `GOVBRIDGE_DEMO_SERVICES`, refused in production
 * by the configuration). Each gets an ES256 client key pair made now and kept in memory only, derived
 * from `cookieKey` so that every hub process sharing that secret registers the same public key
 * (`client-key.ts`); its public half is in `registrations`. Nothing talks to the hub until the
 * first sign-in.
 */
export async function createDemoServices(options: DemoServicesOptions): Promise<DemoServices> {
  const hubIssuer = parseUrl(options.hubIssuer, 'hubIssuer');
  const publicUrl = parseUrl(options.publicUrl, 'publicUrl');
  if (hubIssuer.protocol === 'http:' && !allowsInsecureRequests(hubIssuer)) {
    throw invalid('hubIssuer must be https://, or http:// on 127.0.0.1 or localhost only');
  }
  if (typeof options.cookieKey !== 'string' || options.cookieKey.length < 32) {
    throw invalid('cookieKey must be at least 32 characters');
  }

  const views = createViews();
  const demos = await Promise.all(
    demoDefinitions.map(async (definition) => {
      const clientKey = await deriveClientKey(options.cookieKey, definition.clientId);
      const urls = demoUrls(definition, publicUrl);
      const hub = createHubClient({
        issuer: hubIssuer,
        clientId: definition.clientId,
        clientKey: { key: clientKey.privateKey, kid: clientKey.kid },
        redirectUri: urls.redirectUri,
        fetch: options.fetch,
        allowInsecureRequests: allowsInsecureRequests(hubIssuer),
      });
      const cookie = createSessionCookie({
        secret: options.cookieKey,
        audience: definition.clientId,
        path: urls.basePath,
        secure: publicUrl.protocol === 'https:',
      });
      return {
        urls,
        plugin: relyingPartyPlugin({ definition, urls, hub, cookie, views }),
        registration: demoRegistration(definition, urls, clientKey.publicJwk),
      };
    }),
  );

  // The redirect URIs fix the paths (`/demo/uk`, `/demo/sg`), so the plugin works out its own
  // route prefixes from where it is registered: without a prefix, or with `{ prefix: '/demo' }`.
  const plugin: FastifyPluginAsync = async (app) => {
    for (const demo of demos) {
      const { routePrefix } = demo.urls;
      if (app.prefix !== '' && !routePrefix.startsWith(`${app.prefix}/`)) {
        throw invalid(`register the demo plugin without a prefix or at /demo, not at ${app.prefix}`);
      }
      await app.register(demo.plugin, { prefix: routePrefix.slice(app.prefix.length) });
    }
  };
  return { plugin, registrations: demos.map((demo) => demo.registration) };
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

function invalid(message: string): GovbridgeError {
  return new GovbridgeError('config_invalid', `Demo services: ${message}`, { expose: false });
}
