import { generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ClientRegistry } from '../../src/broker/index.ts';
import { createLedger, createWitnessPusher, listProblems } from '../../src/ledger/index.ts';
import { createHubMetrics } from '../../src/observability/index.ts';
import { AuditTrail, OperatorActions } from '../../src/operator/index.ts';
import { adminApi, buildWebTestApp } from '../../src/web/index.ts';
import { type NotifyFixture, notifyFixture } from '../notifications/support.ts';

export const ADMIN_TOKEN = 'admin-api-test-token-0123456789abcdef';

export interface AdminTestApp {
  app: FastifyInstance;
  fixture: NotifyFixture;
  /** Every route the admin plugin registered, as Fastify saw it (with its prefix). */
  routes: RouteOptions[];
  close(): Promise<void>;
}

/**
 * The web foundation plus the admin API under /admin/api, as app.ts wires it, over a real database
 * (SQLite, or PostgreSQL when DATABASE_URL is set), the real agency registry and operator, the real
 * ledger problems table, a witness pusher with one witness that is not there, and the hub's metrics.
 */
export async function buildAdminApp(): Promise<AdminTestApp> {
  const fixture = await notifyFixture();
  const { privateKey } = generateKeyPairSync('ed25519');
  const ledger = createLedger({ storage: fixture.storage, signer: privateKey, origin: 'admin.test/ledger' });
  const silent = { info() {}, warn() {}, error() {} };
  // Port 9 on loopback: nothing listens, so the witness is in an outage with a reason and a date.
  const witnesses = createWitnessPusher({
    storage: fixture.storage,
    ledger,
    urls: ['http://127.0.0.1:9'],
    log: silent,
  });
  const routes: RouteOptions[] = [];
  const { app } = await buildWebTestApp({
    routes: async (child) => {
      child.addHook('onRoute', (route) => {
        routes.push(route);
      });
      await child.register(adminApi, {
        prefix: '/admin/api',
        token: ADMIN_TOKEN,
        agencies: fixture.agencies,
        operator: fixture.operator,
        actions: new OperatorActions({
          clients: new ClientRegistry({
            storage: fixture.storage,
            knownAttributes: [],
            hubLevels: [],
            environments: [],
            allowLoopbackHttpRedirects: true,
          }),
          agencies: fixture.agencies,
          notifications: fixture.operator,
          audit: new AuditTrail({ storage: fixture.storage, signingKey: privateKey }),
        }),
        ledger: { problems: () => listProblems(fixture.storage), witnesses: () => witnesses.status() },
        metrics: createHubMetrics(),
      });
    },
  });
  await witnesses.tick();
  return {
    app,
    fixture,
    routes,
    async close() {
      await app.close();
      await fixture.close();
    },
  };
}

export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
