export {
  createHubMetrics,
  type HubMetrics,
  MAX_VALUES_PER_LABEL,
  type ScrapeSetters,
  type ScrapeSource,
  startMetricsServer,
} from './metrics.ts';
export {
  addSpanExporter,
  installTracing,
  startTracing,
  TRACER_NAME,
  type Tracing,
  type TracingOptions,
} from './tracing.ts';
