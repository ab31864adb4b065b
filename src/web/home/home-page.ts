import type { FastifyInstance } from 'fastify';

export interface HomePageOptions {
  /** Show the demo relying-party services (they exist only when `GOVBRIDGE_DEMO_SERVICES` is on). */
  demoServices: boolean;
}

/** `/`: the hub's start page. */
export async function registerHomePage(app: FastifyInstance, options: HomePageOptions): Promise<void> {
  app.get('/', (_request, reply) => reply.view('home/start.njk', { demoServices: options.demoServices }));
}
