import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/**
 * Traces (ADR 17). The code everywhere else uses `@opentelemetry/api` only; this file installs the
 * SDK behind it, once per process:
 *  - a tracer provider (always on: spans exist, and trace ids reach log lines, even with no exporter);
 *  - the AsyncLocalStorage context manager, so a span started in a request handler is the parent of
 *    the spans started deeper (login steps, calls to Singpass and One Login);
 *  - the W3C Trace Context propagator (`traceparent`), used by the connectors' HTTP layer and the
 *    Tell Us Once poster to tell the national scheme and agencies which trace a call belongs to.
 * Exporters are added and removed by the hubs built in this process (`startTracing`): OTLP over
 * HTTP when `GOVBRIDGE_OTLP_ENDPOINT` is set, nothing otherwise; tests add the SDK's in-memory
 * exporter with `addSpanExporter`.
 */

/** The name every module's tracer uses (`trace.getTracer(TRACER_NAME)`). */
export const TRACER_NAME = 'govbridge';

/** Span processors can be added and removed after the provider is built: one fan-out, many hubs. */
class FanOutProcessor implements SpanProcessor {
  readonly processors = new Set<SpanProcessor>();
  onStart(span: Span, parent: Parameters<SpanProcessor['onStart']>[1]): void {
    for (const p of this.processors) p.onStart(span, parent);
  }
  onEnd(span: ReadableSpan): void {
    for (const p of this.processors) p.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await Promise.all([...this.processors].map((p) => p.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all([...this.processors].map((p) => p.shutdown()));
  }
}

/** Hands each ended span to an exporter at once (tests read what was exported without waiting). */
class ImmediateProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  constructor(exporter: SpanExporter) {
    this.#exporter = exporter;
  }
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.#exporter.export([span], () => {});
  }
  async forceFlush(): Promise<void> {
    await this.#exporter.forceFlush?.();
  }
  async shutdown(): Promise<void> {
    await this.#exporter.shutdown();
  }
}

let installed: FanOutProcessor | undefined;

/** Install the SDK behind `@opentelemetry/api` for this process (idempotent). */
export function installTracing(): void {
  if (installed) return;
  const fanOut = new FanOutProcessor();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': TRACER_NAME }),
    spanProcessors: [fanOut],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  installed = fanOut;
}

/**
 * Send every span ended from now on to `exporter`, as it ends (no batching). For tests (the SDK's
 * `InMemorySpanExporter`) and tools; returns a function that stops it.
 */
export function addSpanExporter(exporter: SpanExporter): () => void {
  installTracing();
  const processor = new ImmediateProcessor(exporter);
  installed!.processors.add(processor);
  return () => {
    installed?.processors.delete(processor);
  };
}

export interface TracingOptions {
  /**
   * OTLP/HTTP endpoint of a collector, for example `http://127.0.0.1:4318/v1/traces`. Unset: no
   * exporter (spans exist for trace ids in logs, and are dropped when they end).
   */
  otlpEndpoint?: string | undefined;
}

export interface Tracing {
  /** Whether spans leave the process (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  /** Send the spans still batched and stop exporting (the hub is closing). */
  close(): Promise<void>;
}

/** Tracing for one hub: the SDK installed, and the OTLP exporter when configured. */
export function startTracing(options: TracingOptions): Tracing {
  installTracing();
  if (!options.otlpEndpoint) return { exporting: false, close: async () => {} };
  const processor = new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({ url: options.otlpEndpoint }),
  });
  installed!.processors.add(processor);
  return {
    exporting: true,
    async close() {
      installed?.processors.delete(processor);
      await processor.shutdown();
    },
  };
}
