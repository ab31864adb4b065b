import type { FastifyInstance } from 'fastify';

export interface CookiesPageOptions {
  /** The CSRF cookie's actual name (`__Host-` prefixed over https), so the page tells the truth. */
  csrfCookieName: string;
  /** The language cookie's actual name. */
  langCookieName: string;
}

/** `/cookies`: the cookies we set. All are strictly necessary, so there is no consent banner. */
export async function registerCookiesPage(app: FastifyInstance, options: CookiesPageOptions): Promise<void> {
  app.get('/cookies', (_request, reply) =>
    reply.view('cookies/cookies.njk', {
      csrfCookieName: options.csrfCookieName,
      langCookieName: options.langCookieName,
    }),
  );
}
