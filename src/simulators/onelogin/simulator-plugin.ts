import type { FastifyInstance } from 'fastify';
import { systemClock } from '../../kernel/index.ts';
import { registerAuthorizeRoutes } from './authorize-controller.ts';
import { ClientKeys } from './client-keys.ts';
import { buildUrls, createStores, type SimulatorContext } from './context.ts';
import { registerLogoutRoutes } from './logout-controller.ts';
import { registerMetadataRoutes } from './metadata-controller.ts';
import { createViews } from './render-page.ts';
import { generateSimulatorKeys } from './simulator-keys.ts';
import { registerTokenRoutes } from './token-controller.ts';
import type { OneLoginSimulatorOptions } from './types.ts';
import { registerUserinfoRoutes } from './userinfo-controller.ts';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The GOV.UK One Login simulator as an encapsulated Fastify plugin (development and tests only;
 * configuration refuses it in production). Register it with the prefix matching `baseUrl`'s path:
 * `app.register(oneLoginSimulator, { prefix: '/simulators/onelogin', baseUrl, clients })`.
 */
export async function oneLoginSimulator(
  app: FastifyInstance,
  options: OneLoginSimulatorOptions,
): Promise<void> {
  const clock = options.clock ?? systemClock;
  const clients = new Map(options.clients.map((c) => [c.clientId, c]));
  const ctx: SimulatorContext = {
    options,
    clock,
    keys: await generateSimulatorKeys(),
    urls: buildUrls(options.baseUrl),
    views: createViews(),
    defaultScenario: options.defaultScenario ?? 'ok',
    slowDelayMs: options.slowDelayMs ?? 10_000,
    closing: new AbortController(),
    findClient: (clientId) => clients.get(clientId),
    ...createStores(clock),
  };
  const keys = new ClientKeys(clock);

  if (!app.hasContentTypeParser(FORM)) {
    app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
  }
  app.addHook('preClose', async () => ctx.closing.abort());

  registerMetadataRoutes(app, ctx);
  registerAuthorizeRoutes(app, ctx, keys);
  registerTokenRoutes(app, ctx, keys);
  registerUserinfoRoutes(app, ctx);
  registerLogoutRoutes(app, ctx);
}
