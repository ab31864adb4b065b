import { buildApp } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { MOVE_FIELDS, now, writeSteadily } from './notify-load.ts';

/**
 * A hub process for `npm run bench:notify`: the hub exactly as `node src/server.ts` builds it
 * (buildApp, the delivery worker included), plus a report writer driven over IPC, so that reports
 * are accepted where they are in production — in a hub process, through its ReportService, which
 * nudges that process's worker — rather than by another process that shares the database.
 *
 * IPC: sends {ready, port} once listening; on {cmd:'write', account, prefix, count, perSecond,
 * inFlight} writes the reports and answers {accepted: [reportId, [submittedMs, acceptedMs]][], seconds}
 * (times on the benchmark's one clock, `now()`); on {cmd:'clock'} answers {now} (the one-clock check);
 * on 'stop' (or SIGTERM) closes like server.ts and exits.
 */

const config = loadConfig();
const built = await buildApp(config);
await built.app.listen({ host: config.host, port: config.port });
const address = built.app.server.address();
const reports = built.ctx.notifications.reports;

interface WriteCommand {
  cmd: 'write';
  account: string;
  prefix: string;
  count: number;
  perSecond: number;
  inFlight: number;
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await built.close();
  process.exit(0);
}

process.on('message', (m: WriteCommand | { cmd: 'clock' } | 'stop') => {
  if (m === 'stop') {
    void stop();
    return;
  }
  if (m.cmd === 'clock') {
    process.send!({ now: now() });
    return;
  }
  writeSteadily(m.count, m.perSecond, m.inFlight, (i) =>
    reports
      .submit({
        accountId: m.account,
        eventType: 'moving-abroad',
        occurredOn: '2026-12-01',
        fields: { ...MOVE_FIELDS, name: `PERSON ${m.prefix}${i}` },
        submissionKey: `${m.prefix}${i}`,
      })
      .then((r) => r.reportId),
  ).then(
    ({ accepted, seconds }) => process.send!({ accepted: [...accepted], seconds }),
    (err: unknown) =>
      process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
process.send!({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });
