import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { PgBoss } from 'pg-boss';
import { buildEnvelope, EnvelopeKeys } from '../src/notifications/index.ts';
import { AgencyPoster } from '../src/notifications/post.ts';

/**
 * A pg-boss worker process for the baseline of `npm run bench:notify`: it works the queue
 * BENCH_QUEUE in the schema BENCH_SCHEMA (send → work → complete) and, per job, either does nothing
 * (BENCH_MODE=none: the queue alone), POSTs a small unsigned CloudEvent to the agency's receiver
 * (post), or POSTs the same signed and encrypted envelope the hub sends (envelope: buildEnvelope from
 * src/notifications, so the per-delivery crypto is the hub's). POSTs go through the hub's own HTTP
 * client (AgencyPoster, node:http with keep-alive), so the queues are compared, not HTTP clients.
 * A job whose POST is not answered 2xx
 * fails its batch, which pg-boss retries (at least once, as the hub). Settings come from the
 * environment; the parent talks to it over IPC ({ready} once working, 'stop' to stop gracefully).
 */

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};
const mode = env('BENCH_MODE') as 'none' | 'post' | 'envelope';
const queue = env('BENCH_QUEUE');
const endpoints = JSON.parse(env('BENCH_ENDPOINTS')) as Record<string, string>;
const agencyJwks = JSON.parse(process.env['BENCH_AGENCY_JWKS'] ?? '{}') as Record<
  string,
  JWK & { kid: string }
>;
const batchSize = Number(process.env['BENCH_BATCH'] ?? 32);
const localConcurrency = Number(process.env['BENCH_LOCAL_CONCURRENCY'] ?? 2);

interface JobData {
  reportId: string;
  agency: string;
}

const boss = new PgBoss({
  connectionString: env('BENCH_DATABASE_URL'),
  schema: env('BENCH_SCHEMA'),
  max: localConcurrency + 3,
  useListenNotify: true,
  schedule: false,
  supervise: false,
  migrate: false,
  registerInstance: false,
});
boss.on('error', (err: unknown) => process.stderr.write(`pg-boss error: ${String(err)}\n`));

const keys = new EnvelopeKeys();
const poster = new AgencyPoster();
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'bench-pgboss-sig', alg: 'ES256' };

async function post(id: string, data: JobData): Promise<void> {
  let body: string;
  let headers: Record<string, string>;
  if (mode === 'envelope') {
    ({ body, headers } = await buildEnvelope(
      {
        id,
        eventType: 'moving-abroad',
        reportId: data.reportId,
        occurredOn: '2026-12-01',
        recipient: data.agency,
        time: new Date(),
        attributes: { name: 'TAN AH KOW', new_address: '1 Horse Guards Road, London SW1A 2HQ' },
      },
      { source: 'http://bench.local/notifications', signingJwk, agencyJwk: agencyJwks[data.agency]!, keys },
    ));
  } else {
    body = JSON.stringify({
      specversion: '1.0',
      id,
      source: 'http://bench.local/notifications',
      type: 'uk.gov.govbridge.moving-abroad.v1',
      subject: data.reportId,
      time: new Date().toISOString(),
      govbridgerecipient: data.agency,
      datacontenttype: 'application/json',
      data: { occurredOn: '2026-12-01' },
    });
    headers = { 'content-type': 'application/cloudevents+json', 'idempotency-key': `"${id}"` };
  }
  const { status } = await poster.post(endpoints[data.agency]!, headers, body, {
    timeoutMs: 10_000,
    readLimit: 64 * 1024,
  });
  if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
}

await boss.start();
await boss.work<JobData>(
  queue,
  { batchSize, localConcurrency, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true },
  async (jobs) => {
    if (mode === 'none') return;
    await Promise.all(jobs.map((j) => post(j.id, j.data)));
  },
);
process.on('message', (m) => {
  if (m === 'stop') {
    boss.stop({ graceful: true, timeout: 10_000 }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
