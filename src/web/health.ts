import type { FastifyInstance } from 'fastify';
import type { Level } from './logging.ts';

/**
 * Liveness and readiness for the load balancer and the orchestrator.
 *  - `/healthz`: the process is up and its event loop answers. Never touches a dependency, so a
 *    database outage does not get every process restarted.
 *  - `/readyz`: `checkReady()` (database reachable and accepting writes, …) resolved; otherwise 503
 *    problem+json so the balancer stops sending traffic. The reason is logged, never returned.
 *    The outcome of a check is kept for `readyCacheMs` (concurrent probes share one check), so
 *    however many balancers and orchestrators probe, the database sees at most one probe write per
 *    process per interval.
 */
export interface HealthOptions {
  checkReady: () => Promise<void>;
  /** Give up on a hung check after this long (the probe itself would otherwise hang). */
  readyTimeoutMs?: number;
  /** Reuse a check's outcome (ready or not) for this long; 0 checks on every request. Default 1000. */
  readyCacheMs?: number;
  /** Route log level: probes arrive every few seconds, so only warnings are worth a line. */
  logLevel: Level;
}

export async function registerHealth(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 2000;
  const cacheMs = options.readyCacheMs ?? 1000;
  const noStore = { 'cache-control': 'no-store' };
  let last: { at: number; outcome: Promise<void> } | undefined;
  const check = (): Promise<void> => {
    const now = Date.now();
    if (last && now - last.at < cacheMs) return last.outcome;
    const outcome = withTimeout(options.checkReady(), timeoutMs);
    // Settled or not, the outcome is shared; a rejection is handled by every awaiting request.
    outcome.catch(() => {});
    last = { at: now, outcome };
    return outcome;
  };

  app.get('/healthz', { logLevel: options.logLevel }, async (_request, reply) => {
    return reply.headers(noStore).send({ status: 'ok' });
  });

  app.get('/readyz', { logLevel: options.logLevel }, async (request, reply) => {
    try {
      await check();
      return reply.headers(noStore).send({ status: 'ok' });
    } catch (err) {
      request.log.warn({ err }, 'not ready');
      return reply
        .code(503)
        .headers({ ...noStore, 'retry-after': '5' })
        .type('application/problem+json; charset=utf-8')
        .send(
          JSON.stringify({
            type: 'urn:govbridge:problem:temporarily_unavailable',
            title: 'Service Unavailable',
            status: 503,
            detail: 'The service is not ready to take requests.',
            code: 'temporarily_unavailable',
          }),
        );
    }
  });
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`readiness check timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
