export {
  createHubMetrics,
  type HubMetrics,
  MAX_VALUES_PER_LABEL,
  type ScrapeSetters,
  type ScrapeSource,
  startMetricsServer,
} from './metrics.ts';
