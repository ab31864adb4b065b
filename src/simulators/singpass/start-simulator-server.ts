import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { singpassSimulator } from './singpass-simulator.ts';
import type { SingpassSimulatorOptions } from './types.ts';

/**
 * The simulator alone on a loopback port, for tests and local experiments. The socket is bound
 * first, so that `baseUrl` (which the plugin needs) is known before the plugin registers.
 */
export async function startSingpassSimulatorServer(
  options: Omit<SingpassSimulatorOptions, 'baseUrl'>,
  prefix = '/simulators/singpass',
): Promise<{ baseUrl: string; app: FastifyInstance; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}${prefix}`;
  const app = Fastify({
    serverFactory: (handler) => server.on('request', handler),
    forceCloseConnections: true,
  });
  await app.register(singpassSimulator, { ...options, baseUrl, prefix });
  await app.ready();
  const close = async (): Promise<void> => {
    await app.close();
    // Fastify did not bind the socket, so it does not release it either.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { baseUrl, app, close };
}
