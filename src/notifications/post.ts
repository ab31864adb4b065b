import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * One POST of a notification to an agency, on node:http / node:https with keep-alive agents: about
 * half the CPU of `fetch` (undici and web streams) per request, which matters at thousands of
 * deliveries a second (docs/benchmarks.md, "Tell Us Once delivery").
 *
 * Same rules as before: `timeoutMs` bounds connecting, sending and the whole answer; redirects are
 * not followed; at most `readLimit` bytes of the answer are read (its status is what counts), and a
 * longer answer closes the connection rather than being read to the end.
 *
 * Each POST is a client span (`POST agency`, ADR 17) whose W3C `traceparent` goes to the agency with
 * the notification, so an agency's logs and the hub's trace of the delivery meet. The span names the
 * agency's host and the answer's status, never the path, the payload or its id.
 */
export interface PostAnswer {
  status: number;
  retryAfter: string | null;
}

export class PostError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = code === 'TIMEOUT' ? 'TimeoutError' : 'PostError';
    this.code = code;
  }
}

export class AgencyPoster {
  readonly #http = new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  readonly #https = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' });

  async post(
    endpoint: string,
    headers: Record<string, string>,
    body: string,
    options: { timeoutMs: number; readLimit: number },
  ): Promise<PostAnswer> {
    const url = new URL(endpoint);
    return trace.getTracer('govbridge').startActiveSpan(
      'POST agency',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': 'POST', 'server.address': url.host },
      },
      async (span) => {
        const traced = { ...headers };
        propagation.inject(context.active(), traced);
        try {
          const answer = await this.#post(url, traced, body, options);
          span.setAttribute('http.response.status_code', answer.status);
          if (answer.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
          return answer;
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          if (err instanceof PostError) span.setAttribute('error.type', err.code);
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  #post(
    url: URL,
    headers: Record<string, string>,
    body: string,
    options: { timeoutMs: number; readLimit: number },
  ): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      const https = url.protocol === 'https:';
      const payload = Buffer.from(body, 'utf8');
      let settled = false;
      const finish = (err: Error | undefined, answer?: PostAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          agent: https ? this.#https : this.#http,
          headers: { ...headers, 'content-length': String(payload.byteLength) },
        },
        (res: IncomingMessage) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.byteLength;
            if (read > options.readLimit) {
              // Enough: the status is known; do not read (or keep) the rest.
              res.destroy();
              finish(undefined, answer(res));
            }
          });
          res.on('end', () => finish(undefined, answer(res)));
          // An answer cut short after its status line still counts by its status.
          res.on('error', () => finish(undefined, answer(res)));
          res.on('close', () => finish(undefined, answer(res)));
        },
      );
      const timer = setTimeout(() => {
        const err = new PostError('TIMEOUT', `no answer within ${options.timeoutMs} ms`);
        req.destroy(err);
        finish(err);
      }, options.timeoutMs);
      req.on('error', (err: Error & { code?: string }) =>
        finish(new PostError(err.code ?? err.name, err.message, { cause: err })),
      );
      req.end(payload);
    });
  }

  /** Close idle connections (the worker is stopping). */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

function answer(res: IncomingMessage): PostAnswer {
  const retryAfter = res.headers['retry-after'];
  return { status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null };
}
