import type { IncomingMessage } from 'node:http';
import { context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { REQUEST_TRACE_BOUND } from './logging.ts';

/**
 * One server span per HTTP request (ADR 17), the parent of every span the request's handler starts
 * (login steps, calls to the national schemes), so one request is one trace.
 *
 *  - Started when Fastify makes the request's logger (the first per-request moment, before the
 *    "incoming request" line), so that logger carries `trace_id` and `span_id` on every line,
 *    including the ones Fastify itself writes.
 *  - Made the active context for the hooks and the handler: `onRequest` and again `preHandler`
 *    (a request body is read in stream callbacks, which run outside the request's async context).
 *  - Named by method and route pattern (`GET /interaction/:uid`), never the path or query string:
 *    those carry codes, states, hints and interaction ids. Attributes: method, route, status code.
 *  - Always a new trace: a `traceparent` a browser or another service sends is not trusted (the hub
 *    is the boundary; a caller does not get to choose our trace ids or sampling).
 *  - Ended when the response is closed (finished or aborted); this also covers the OpenID Provider's
 *    routes, which hijack the reply.
 *
 * Call before any route is registered: Fastify takes the child logger factory at route creation.
 */
export function traceRequests(app: FastifyInstance): void {
  const tracer = trace.getTracer('govbridge');
  const spans = new WeakMap<IncomingMessage, Span>();

  app.setChildLoggerFactory(function childLogger(logger, bindings, options, rawReq) {
    const span = tracer.startSpan(
      rawReq.method ?? 'HTTP',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': rawReq.method ?? '' } },
      ROOT_CONTEXT,
    );
    spans.set(rawReq, span);
    const { traceId, spanId } = span.spanContext();
    const child = logger.child({ ...bindings, trace_id: traceId, span_id: spanId }, options);
    (child as unknown as Record<symbol, boolean>)[REQUEST_TRACE_BOUND] = true;
    return child;
  });

  app.addHook('onRequest', (req, reply, done) => {
    const span = spans.get(req.raw);
    if (!span) return done();
    const route = req.routeOptions.url;
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!reply.raw.writableFinished) span.setAttribute('govbridge.aborted', true);
      span.end();
      spans.delete(req.raw);
    });
    context.with(trace.setSpan(ROOT_CONTEXT, span), done);
  });

  app.addHook('preHandler', (req, _reply, done) => {
    const span = spans.get(req.raw);
    if (!span) return done();
    context.with(trace.setSpan(ROOT_CONTEXT, span), done);
  });
}
