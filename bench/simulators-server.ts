import Fastify from 'fastify';
import { oneLoginSimulator, singpassSimulator } from '../src/simulators/index.ts';

/**
 * Both national-scheme simulators in a process of their own, for the login benchmark: the hub's
 * CPU time is read from its own process, so the simulators must not run inside it.
 *
 *   BENCH_SIM_PORT  port to listen on (127.0.0.1 only)
 *   BENCH_HUB_URL   the hub's public URL (its client JWKS and callbacks are derived from it)
 *
 * Serves Singpass under `/singpass` (FAPI issuer `/singpass/fapi`) and One Login under `/onelogin`.
 * Prints `ready` on stdout once listening; exits on SIGTERM/SIGINT.
 */
const port = Number(process.env['BENCH_SIM_PORT']);
const hubUrl = process.env['BENCH_HUB_URL'];
if (!Number.isInteger(port) || port <= 0 || !hubUrl) {
  process.stderr.write('BENCH_SIM_PORT and BENCH_HUB_URL are required\n');
  process.exit(2);
}
const base = `http://127.0.0.1:${port}`;
const app = Fastify({ logger: false, forceCloseConnections: true });
await app.register(singpassSimulator, {
  prefix: '/singpass',
  baseUrl: `${base}/singpass`,
  clients: [
    {
      clientId: 'govbridge-hub',
      jwksUri: `${hubUrl}/connectors/singpass/jwks`,
      redirectUris: [`${hubUrl}/callback/singpass`],
    },
  ],
});
await app.register(oneLoginSimulator, {
  prefix: '/onelogin',
  baseUrl: `${base}/onelogin`,
  clients: [
    {
      clientId: 'govbridge-hub',
      jwksUri: `${hubUrl}/connectors/onelogin/jwks`,
      redirectUris: [`${hubUrl}/callback/onelogin`],
    },
  ],
});
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('ready\n');
const stop = (): void => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
