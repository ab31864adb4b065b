/**
 * A separate hub process submitting Tell Us Once reports to a shared database, for the test that two
 * processes racing to submit the same report make one (test/reports/retried-submission.test.ts).
 * Reads one JSON argument:
 *   { databaseUrl?, postgresSchema?, sqlitePath?, kek (base64url), startAt (epoch ms), reports: [
 *     { accountId, journeyId, eventType, occurredOn, fields, submissionKey } ] }
 * waits until `startAt` (so both processes submit at once), submits every report concurrently, and
 * prints one JSON line: [{ reportId, created } | { error }] in the order given.
 */
import { AgencyRegistry, type ReportInput, ReportService } from '../../src/notifications/index.ts';
import { openStorage } from '../../src/storage/index.ts';
import { loadTrustFramework } from '../../src/trust/index.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  databaseUrl?: string;
  postgresSchema?: string;
  sqlitePath?: string;
  kek: string;
  startAt: number;
  reports: Array<ReportInput & { submissionKey: string }>;
};

const storage = await openStorage(
  args.databaseUrl
    ? { databaseUrl: args.databaseUrl, postgresSchema: args.postgresSchema ?? 'public', poolSize: 5 }
    : { sqlitePath: args.sqlitePath! },
);
const eventTypes = loadTrustFramework('trust/trust-framework.yaml').events!;
const agencies = new AgencyRegistry({
  storage,
  eventTypes,
  environments: new Set(['uk-public-cloud', 'uk-accredited', 'sg-gcc']),
  allowLoopbackHttp: true,
  defaultMaxAttempts: 4,
});
const reports = new ReportService({
  storage,
  kek: new Uint8Array(Buffer.from(args.kek, 'base64url')),
  agencies,
  eventTypes,
});
await new Promise((resolve) => setTimeout(resolve, Math.max(0, args.startAt - Date.now())));
const results = await Promise.all(
  args.reports.map((r) =>
    reports.submit(r).then(
      (x) => x,
      (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
    ),
  ),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
await storage.close();
