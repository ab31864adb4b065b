import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ViewContext } from './views.ts';

/**
 * Helpers for page plugins (thin on purpose: the work is in views.ts and foundation.ts).
 */

/** Render `template` for this request (with its `csrfToken`) as `text/html; charset=utf-8`. */
export function render(reply: FastifyReply, template: string, context: ViewContext = {}): FastifyReply {
  return reply.view(template, context);
}

/**
 * Make a folder of templates resolvable by name, for modules whose pages live outside `src/web/`
 * (simulators, demo services). Folders under `src/web/` need nothing: a page in
 * `src/web/consents/list.njk` is already `consents/list.njk`.
 */
export function addViewsPath(app: FastifyInstance, dir: string): void {
  app.views.addPath(dir);
}
