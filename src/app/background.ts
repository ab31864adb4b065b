import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type AccountSessionStore, appendUnledgeredReleases, sweepExpired } from '../broker/index.ts';
import { createWitnessPusher, runStartupRepairs, type WitnessPusher } from '../ledger/index.ts';
import { appendUnledgeredNotifications, DeliveryWorker } from '../notifications/index.ts';
import { startMetricsServer } from '../observability/index.ts';
import { OutageTracker } from '../storage/index.ts';
import type { AppContext } from './context.ts';

/**
 * The hub's background jobs, started once its HTTP features are registered and stopped by one
 * `stop()`: the ledger's checkpoint timer, the pushes to witnesses, the Tell Us Once delivery worker
 * (when configured), the metrics listener and the sweeper of expired login state. Every process runs
 * them; each is safe to run in many processes at once (rows are claimed, deletes are idempotent,
 * a checkpoint of an unchanged ledger is not signed again).
 */
export interface BackgroundJobs {
  /** The state of the pushes to each configured witness (operator API and console). */
  witnessStatus: WitnessPusher['status'];
  /** Start every job: timers at once, the witness push and the delivery worker when the app is ready. */
  start(app: FastifyInstance, sweep: { accountSessions: AccountSessionStore }): Promise<void>;
  /** The metrics listener's port, once started, when GOVBRIDGE_METRICS_PORT is set. */
  metricsPort(): number | undefined;
  stop(): Promise<void>;
}

/**
 * The transparency ledger before serving: checked end to end (a changed, removed or inserted entry,
 * or a rewritten checkpoint, stops start-up); then repairs (releases and notifications a crash left
 * out of the ledger) that never stop start-up: a row that cannot be repaired is logged and flagged
 * for the operator (ledger verify, /admin/api/ledger/problems).
 */
export async function checkLedgerAtStart(ctx: AppContext, logger: Logger): Promise<void> {
  await ctx.ledger.verifyIntegrity();
  const healed = await runStartupRepairs(ctx.storage, logger, [
    ['releases', () => appendUnledgeredReleases(ctx.storage, ctx.ledger, logger)],
    [
      'notifications',
      () => appendUnledgeredNotifications(ctx.storage, ctx.ledger, ctx.trust.version, logger),
    ],
  ]);
  if (healed > 0) logger.warn({ count: healed }, 'releases missing from the ledger were appended');
}

/** The jobs of this process, built but not started (nothing runs until `start`). */
export function backgroundJobs(ctx: AppContext, logger: Logger): BackgroundJobs {
  const { config } = ctx;
  // Each new checkpoint goes to the configured witnesses on a timer (with backoff while one is down),
  // so a removed tail is found without an operator running `ledger cosign` (src/ledger/README.md).
  const witnessPusher = createWitnessPusher({
    storage: ctx.storage,
    ledger: ctx.ledger,
    urls: config.ledgerWitnessUrls,
    log: logger,
    baseBackoffMs: config.ledgerWitnessPushMs,
  });
  const timers: NodeJS.Timeout[] = [];
  let worker: DeliveryWorker | undefined;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;

  function every(ms: number, job: () => void): void {
    const timer = setInterval(job, ms);
    timer.unref();
    timers.push(timer);
  }

  return {
    witnessStatus: () => witnessPusher.status(),
    metricsPort: () => metricsServer?.port,

    async start(app, { accountSessions }) {
      every(config.ledgerCheckpointMs, checkpointJob(ctx, logger));

      if (config.ledgerWitnessUrls.length > 0) {
        every(config.ledgerWitnessPushMs, () => void witnessPusher.tick());
        app.addHook('onReady', async () => void witnessPusher.tick());
      }

      // Tell Us Once delivery (any number of processes may run one; rows are claimed, never shared).
      if (config.notificationWorker) {
        const w = new DeliveryWorker({
          storage: ctx.storage,
          kek: ctx.kek,
          source: `${config.publicUrl}/notifications`,
          signingKey: () => {
            const key = ctx.keys.active('notify-sig');
            return key as typeof key & { kid: string };
          },
          concurrency: config.notificationConcurrency,
          leaseMs: config.notificationLeaseMs,
          timeoutMs: config.notificationTimeoutMs,
          pollMs: config.notificationPollMs,
          backoff: { baseMs: config.notificationBackoffMs, maxMs: 6 * 3600_000 },
          logger,
          observer: ctx.metrics.delivery,
        });
        worker = w;
        ctx.notifications.onWork.nudge = () => w.nudge();
        app.addHook('onReady', async () => w.start());
      }

      // Metrics (ADR 14): values that live in the database are read when Prometheus scrapes, so every
      // process reports the same truth; the exposition has a listener of its own (loopback by default).
      addDatabaseScrapeSources(ctx);
      if (config.metricsPort !== undefined) {
        metricsServer = await startMetricsServer(ctx.metrics, {
          host: config.metricsHost,
          port: config.metricsPort,
        });
        logger.info({ port: metricsServer.port }, 'metrics listening');
      }

      // Expired OIDC artefacts and login state are swept from every process; deletes are idempotent.
      const sweepOutage = new OutageTracker(logger, 'sweeping expired login state', { baseMs: 60_000 });
      every(60_000, () => {
        Promise.all([
          sweepExpired(ctx.storage),
          accountSessions.sweep(),
          ctx.operator.sessions.sweep(),
          ctx.operator.refusals.sweep(),
        ]).then(
          () => sweepOutage.succeeded(),
          (err: unknown) => {
            if (!sweepOutage.failed(err)) logger.warn({ err }, 'sweep failed');
          },
        );
      });
    },

    async stop() {
      for (const timer of timers) clearInterval(timer);
      await metricsServer?.close();
      await worker?.stop();
    },
  };
}

/**
 * A checkpoint signed on a timer when the ledger has grown. While the database is away the timer
 * pauses (backoff) and says so once, not on every tick.
 */
function checkpointJob(ctx: AppContext, logger: Logger): () => void {
  let lastCheckpointSize = -1;
  const outage = new OutageTracker(logger, 'ledger checkpoints', { baseMs: ctx.config.ledgerCheckpointMs });
  return () => {
    if (!outage.due()) return;
    ctx.ledger
      .size()
      .then(async (n) => {
        if (n !== lastCheckpointSize) {
          await ctx.ledger.checkpoint();
          lastCheckpointSize = n;
        }
        outage.succeeded();
      })
      .catch((err: unknown) => {
        if (!outage.failed(err)) logger.warn({ err }, 'signing a ledger checkpoint failed');
      });
  };
}

/**
 * Gauges read from the database at each scrape: notifications by agency and state (an index on
 * agency_id, state serves the count), the ledger's size, and the ages of its newest checkpoint and
 * of each witness's newest cosignature.
 */
function addDatabaseScrapeSources(ctx: AppContext): void {
  const db = ctx.storage.db;
  ctx.metrics.addScrapeSource({
    name: 'notifications',
    async collect(set) {
      const rows = await db
        .selectFrom('notifications')
        .select(['agency_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['agency_id', 'state'])
        .execute();
      for (const r of rows) set.notifications(r.agency_id, r.state, Number(r.n));
    },
  });
  ctx.metrics.addScrapeSource({
    name: 'ledger',
    async collect(set) {
      const now = Date.now();
      set.ledgerSize(await ctx.ledger.size());
      const checkpoint = await db
        .selectFrom('ledger_checkpoints')
        .select((eb) => eb.fn.max('created_at').as('at'))
        .executeTakeFirst();
      if (checkpoint?.at != null) set.secondsSinceCheckpoint((now - Number(checkpoint.at)) / 1000);
      const cosigned = await db
        .selectFrom('ledger_cosignatures')
        .select(['cosigner', (eb) => eb.fn.max('created_at').as('at')])
        .groupBy('cosigner')
        .execute();
      for (const c of cosigned) set.secondsSinceCosignature(c.cosigner, (now - Number(c.at)) / 1000);
    },
  });
  // PostgreSQL's connection pool of this process (SQLite has none: no pool gauges there).
  ctx.metrics.addScrapeSource({
    name: 'database pool',
    async collect(set) {
      const stats = ctx.storage.poolStats();
      if (stats) set.databasePool(stats);
    },
  });
}
