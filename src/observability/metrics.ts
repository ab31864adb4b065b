import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The hub's metrics, in the Prometheus exposition format (prom-client; ADR 14).
 *
 * Rules every instrument here follows:
 * - no personal data and no citizen's id in any label: labels are schemes, relying-party and agency
 *   ids (registered by an operator), hub acr values, policy ids, attribute names, codes and states;
 * - bounded cardinality: every label value passes `bounded()`, which lets at most
 *   `MAX_VALUES_PER_LABEL` distinct values through per label and folds the rest into `other`, and
 *   refuses anything that is not a short identifier (so no free text ever becomes a series);
 * - one registry per hub (not prom-client's global one), so several hubs in one process (tests, the
 *   witness set-up) never share or clash.
 *
 * Domain modules never import this file: they take a small observer interface of their own (for
 * example the broker's `LoginObserver`), which the composition root fills from here.
 */
export const MAX_VALUES_PER_LABEL = 200;
const IDENTIFIER = /^[A-Za-z0-9._:~-]{1,128}$/;
const OTHER = 'other';

/** Seconds: from a fast local step to a slow national login with a person typing. */
const LOGIN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** One delivery attempt: a local receiver answers in milliseconds; the worker's timeout is 10 s by default. */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Report to delivery: immediate, or after retries whose backoff grows to hours (6 h at most per step). */
const DELIVERY_BUCKETS = [
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  300,
  900,
  3600,
  4 * 3600,
  12 * 3600,
  86400,
];

export interface HubMetrics {
  readonly registry: Registry;
  /** For the broker's login pipeline. */
  readonly login: {
    started(scheme: string, clientId: string): void;
    completed(scheme: string, clientId: string, acr: string, seconds: number | undefined): void;
    refused(scheme: string | undefined, clientId: string | undefined, code: string, check: string): void;
    upstream(scheme: string, outcome: 'completed' | 'refused', seconds: number): void;
  };
  readonly consent: {
    given(clientId: string): void;
    declined(clientId: string): void;
    withdrawn(clientId: string): void;
  };
  readonly policy: {
    decided(policy: string, effect: 'allow' | 'deny', recipientKind: string): void;
    withheld(attribute: string, recipientKind: string): void;
  };
  /** For the Tell Us Once delivery worker (`DeliveryObserver`). */
  readonly delivery: {
    attempted(
      agencyId: string,
      outcome: 'delivered' | 'retry' | 'dead',
      result: string,
      seconds: number,
    ): void;
    delivered(agencyId: string, secondsSinceCreated: number): void;
    deadLettered(agencyId: string, result: string): void;
  };
  /**
   * Refusals outside the login pipeline (which has its own counter): a stable code and the check
   * that failed, as in the refusal's warn line — for example `account_session_refused` / `revoked`.
   */
  readonly refusal: {
    refused(code: string, check: string): void;
  };
  /** Error responses (problem+json or an error page), by their stable code and HTTP status. */
  readonly errors: {
    responded(code: string, status: number): void;
  };
  /**
   * Values read when Prometheus scrapes (queue depths, ledger size, ages): each source is asked on
   * every scrape; one that fails leaves its gauges unset for that scrape and is logged by the caller.
   */
  addScrapeSource(source: ScrapeSource): void;
  /** The exposition text (`text/plain; version=0.0.4`). */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface ScrapeSource {
  readonly name: string;
  collect(set: ScrapeSetters): Promise<void>;
}

export interface ScrapeSetters {
  notifications(agencyId: string, state: string, count: number): void;
  ledgerSize(entries: number): void;
  secondsSinceCheckpoint(seconds: number): void;
  secondsSinceCosignature(witness: string, seconds: number): void;
  databasePool(stats: { inUse: number; idle: number; waiting: number; max: number }): void;
}

export function createHubMetrics(
  options: { defaultMetrics?: boolean; onScrapeError?: (source: string, err: unknown) => void } = {},
): HubMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) {
    // Process memory, CPU, event-loop lag, handles, GC: prom-client's standard set, `govbridge_` prefixed.
    collectDefaultMetrics({ register: registry, prefix: 'govbridge_', eventLoopMonitoringPrecision: 20 });
  }
  const seen = new Map<string, Set<string>>();
  const bounded = (label: string, value: string | undefined): string => {
    if (value === undefined || value === '') return 'none';
    if (!IDENTIFIER.test(value)) return OTHER;
    let values = seen.get(label);
    if (!values) {
      values = new Set();
      seen.set(label, values);
    }
    if (values.has(value)) return value;
    if (values.size >= MAX_VALUES_PER_LABEL) return OTHER;
    values.add(value);
    return value;
  };

  const loginsStarted = new Counter({
    name: 'govbridge_logins_started_total',
    help: 'National logins started for a relying party (the person was sent to the scheme).',
    labelNames: ['scheme', 'client'] as const,
    registers: [registry],
  });
  const loginsCompleted = new Counter({
    name: 'govbridge_logins_completed_total',
    help: 'Logins that ended in a release to the relying party, by achieved hub acr.',
    labelNames: ['scheme', 'client', 'acr'] as const,
    registers: [registry],
  });
  const loginsRefused = new Counter({
    name: 'govbridge_logins_refused_total',
    help: 'Refused or failed logins, by the stable refusal code and the check that failed.',
    labelNames: ['scheme', 'client', 'code', 'check'] as const,
    registers: [registry],
  });
  const loginDuration = new Histogram({
    name: 'govbridge_login_duration_seconds',
    help: "A completed login, from the relying party's authorization request to the release.",
    labelNames: ['scheme'] as const,
    buckets: LOGIN_BUCKETS,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'govbridge_login_upstream_duration_seconds',
    help: 'The national leg of a login: from sending the person to the scheme to its callback being verified.',
    labelNames: ['scheme', 'outcome'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [registry],
  });
  const consents = new Counter({
    name: 'govbridge_consents_total',
    help: 'Consent decisions: given, declined, withdrawn.',
    labelNames: ['event', 'client'] as const,
    registers: [registry],
  });
  const policyDecisions = new Counter({
    name: 'govbridge_policy_decisions_total',
    help: 'Release-policy decisions per attribute, by deciding policy id and effect.',
    labelNames: ['policy', 'effect', 'recipient_kind'] as const,
    registers: [registry],
  });
  const withheld = new Counter({
    name: 'govbridge_withheld_attributes_total',
    help: 'Attributes the release policy withheld, by attribute name.',
    labelNames: ['attribute', 'recipient_kind'] as const,
    registers: [registry],
  });

  const deliveryAttempts = new Counter({
    name: 'govbridge_delivery_attempts_total',
    help: 'Tell Us Once delivery attempts, by agency, outcome (delivered, retry, dead) and result class (2xx, 4xx, 5xx, timeout, network, …).',
    labelNames: ['agency', 'outcome', 'result'] as const,
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'govbridge_delivery_attempt_duration_seconds',
    help: "One delivery attempt: from sending the notification to the agency's answer (or its failure).",
    labelNames: ['agency'] as const,
    buckets: ATTEMPT_BUCKETS,
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'govbridge_delivery_latency_seconds',
    help: "A delivered notification: from its creation (the citizen's report) to the agency's success answer, retries included.",
    labelNames: ['agency'] as const,
    buckets: DELIVERY_BUCKETS,
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'govbridge_dead_letters_total',
    help: 'Notifications that went to the dead letters (an operator must look), by agency and the result class of the last attempt.',
    labelNames: ['agency', 'result'] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'govbridge_refusals_total',
    help: 'Refusals outside the login pipeline, by stable code and the check that failed.',
    labelNames: ['code', 'check'] as const,
    registers: [registry],
  });
  const errorResponses = new Counter({
    name: 'govbridge_error_responses_total',
    help: 'Error responses (problem+json or an error page), by stable code and HTTP status.',
    labelNames: ['code', 'status'] as const,
    registers: [registry],
  });

  const sources: ScrapeSource[] = [];
  const notifications = gauge(
    registry,
    'govbridge_notifications',
    'Tell Us Once notifications by agency and delivery state.',
    ['agency', 'state'],
  );
  const ledgerSize = gauge(registry, 'govbridge_ledger_entries', 'Entries in the transparency ledger.', []);
  const sinceCheckpoint = gauge(
    registry,
    'govbridge_ledger_seconds_since_checkpoint',
    'Seconds since the newest signed ledger checkpoint.',
    [],
  );
  const sinceCosignature = gauge(
    registry,
    'govbridge_ledger_seconds_since_cosignature',
    "Seconds since each witness's newest cosignature.",
    ['witness'],
  );
  // The pool gauges join the registry on the first report: SQLite has no pool, and a gauge without
  // labels would otherwise be exposed as 0 there, which reads as "an idle pool".
  const pool = {
    inUse: new Gauge({
      name: 'govbridge_db_pool_in_use',
      help: 'Database connections checked out.',
      registers: [],
    }),
    idle: new Gauge({
      name: 'govbridge_db_pool_idle',
      help: 'Database connections idle in the pool.',
      registers: [],
    }),
    waiting: new Gauge({
      name: 'govbridge_db_pool_waiting',
      help: 'Queries waiting for a database connection.',
      registers: [],
    }),
    max: new Gauge({
      name: 'govbridge_db_pool_max',
      help: 'The most database connections the pool of this process opens.',
      registers: [],
    }),
  };
  let poolRegistered = false;
  const setters: ScrapeSetters = {
    notifications: (agency, state, count) =>
      notifications.set({ agency: bounded('agency', agency), state: bounded('state', state) }, count),
    ledgerSize: (n) => ledgerSize.set(n),
    secondsSinceCheckpoint: (s) => sinceCheckpoint.set(s),
    secondsSinceCosignature: (w, s) => sinceCosignature.set({ witness: bounded('witness', w) }, s),
    databasePool: (stats) => {
      if (!poolRegistered) {
        for (const g of Object.values(pool)) registry.registerMetric(g);
        poolRegistered = true;
      }
      pool.inUse.set(stats.inUse);
      pool.idle.set(stats.idle);
      pool.waiting.set(stats.waiting);
      pool.max.set(stats.max);
    },
  };

  return {
    registry,
    contentType: registry.contentType,
    login: {
      started: (scheme, client) =>
        loginsStarted.inc({ scheme: bounded('scheme', scheme), client: bounded('client', client) }),
      completed(scheme, client, acr, seconds) {
        loginsCompleted.inc({
          scheme: bounded('scheme', scheme),
          client: bounded('client', client),
          acr: bounded('acr', acr),
        });
        if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0)
          loginDuration.observe({ scheme: bounded('scheme', scheme) }, seconds);
      },
      refused: (scheme, client, code, check) =>
        loginsRefused.inc({
          scheme: bounded('scheme', scheme),
          client: bounded('client', client),
          code: bounded('code', code),
          check: bounded('check', check),
        }),
      upstream(scheme, outcome, seconds) {
        if (Number.isFinite(seconds) && seconds >= 0)
          upstreamDuration.observe({ scheme: bounded('scheme', scheme), outcome }, seconds);
      },
    },
    consent: {
      given: (client) => consents.inc({ event: 'given', client: bounded('client', client) }),
      declined: (client) => consents.inc({ event: 'declined', client: bounded('client', client) }),
      withdrawn: (client) => consents.inc({ event: 'withdrawn', client: bounded('client', client) }),
    },
    policy: {
      decided: (policy, effect, kind) =>
        policyDecisions.inc({
          policy: bounded('policy', policy),
          effect,
          recipient_kind: bounded('recipient_kind', kind),
        }),
      withheld: (attribute, kind) =>
        withheld.inc({
          attribute: bounded('attribute', attribute),
          recipient_kind: bounded('recipient_kind', kind),
        }),
    },
    delivery: {
      attempted(agency, outcome, result, seconds) {
        const a = bounded('agency', agency);
        deliveryAttempts.inc({ agency: a, outcome, result: bounded('result', result) });
        if (Number.isFinite(seconds) && seconds >= 0) attemptDuration.observe({ agency: a }, seconds);
      },
      delivered(agency, seconds) {
        if (Number.isFinite(seconds) && seconds >= 0)
          deliveryLatency.observe({ agency: bounded('agency', agency) }, seconds);
      },
      deadLettered: (agency, result) =>
        deadLetters.inc({ agency: bounded('agency', agency), result: bounded('result', result) }),
    },
    refusal: {
      refused: (code, check) => refusals.inc({ code: bounded('code', code), check: bounded('check', check) }),
    },
    errors: {
      responded: (code, status) =>
        errorResponses.inc({
          code: bounded('code', code),
          status: Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER,
        }),
    },
    addScrapeSource: (s) => sources.push(s),
    async render() {
      // Gauges read from the database reflect this scrape only: a state that emptied shows 0 only
      // if its source reports it, so reset them first.
      notifications.reset();
      sinceCosignature.reset();
      await Promise.all(
        sources.map((s) => s.collect(setters).catch((err: unknown) => options.onScrapeError?.(s.name, err))),
      );
      return registry.metrics();
    },
  };
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/**
 * The metrics listener: its own port, bound to loopback by default, so Prometheus can scrape it
 * without the endpoint being on the public listener. Only `GET /metrics`.
 */
export async function startMetricsServer(
  metrics: HubMetrics,
  o: { host: string; port: number },
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    metrics
      .render()
      .then((text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text);
      })
      .catch(() => {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Metrics are unavailable\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : o.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
