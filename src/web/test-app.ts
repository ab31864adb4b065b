import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { type Config, loadConfig } from '../config/index.ts';
import { webFrameworkErrors } from './errors.ts';
import { webFoundation } from './foundation.ts';
import { createLogger } from './logging.ts';

export interface WebTestAppOptions {
  /** Environment for loadConfig (NODE_ENV defaults to `test`, so logging is silent). */
  env?: NodeJS.ProcessEnv;
  checkReady?: () => Promise<void>;
  /** Register the plugin under test; runs after the foundation, like a journey plugin in app.ts. */
  routes?: (app: FastifyInstance) => void | Promise<void>;
  /** Capture log lines (sets the level to `info` unless `env.LOG_LEVEL` says otherwise). */
  logStream?: DestinationStream;
  bodyLimit?: number;
}

export const TEST_COOKIE_SECRET = 'test-cookie-secret-that-is-at-least-32-characters';

/**
 * A Fastify instance with the web foundation, as app.ts builds it, for `app.inject()` and browser
 * tests of web plugins: `const { app } = await buildWebTestApp(…)`; `await app.close()` when done.
 */
export async function buildWebTestApp(
  options: WebTestAppOptions = {},
): Promise<{ app: FastifyInstance; config: Config }> {
  const env = {
    NODE_ENV: 'test',
    ...(options.logStream ? { LOG_LEVEL: 'info' } : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const loggerInstance: FastifyBaseLogger = createLogger(config, options.logStream);
  const app = Fastify({
    loggerInstance,
    frameworkErrors: webFrameworkErrors,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
  });
  await app.register(webFoundation, {
    config,
    checkReady: options.checkReady ?? (async () => {}),
    cookieSecret: TEST_COOKIE_SECRET,
    noCache: false,
  });
  if (options.routes) await app.register(async (child) => options.routes?.(child));
  await app.ready();
  return { app, config };
}
