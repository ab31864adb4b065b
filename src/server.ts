import { buildApp } from './app/index.ts';
import { loadConfig } from './config/index.ts';
import { isGovbridgeError } from './kernel/index.ts';
import { isDatabaseUnavailable, sqliteStartError } from './storage/index.ts';

/** Listen and shut down gracefully; nothing else. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  let built: Awaited<ReturnType<typeof buildApp>>;
  try {
    built = await buildApp(config);
  } catch (err) {
    throw new StartFailure(startFailureMessage(err, config));
  }
  const { app } = built;
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.port === 0 ? `http://${config.host}:${port}` : config.publicUrl;
  process.stdout.write(
    `\ngovbridge is running: open ${url}\n` +
      (config.simulators
        ? '  (simulated Singpass and GOV.UK One Login; demo services at /demo/uk and /demo/sg)\n'
        : '') +
      `  storage: ${built.ctx.storage.capabilities.dialect}\n\n`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    built.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A start-up failure whose message is complete as it stands. */
class StartFailure extends Error {}

/**
 * One line that says what failed and where. A SQLite file that cannot be opened or written also names
 * the setting that chose it, so the operator knows what to change.
 */
function startFailureMessage(thrown: unknown, config: ReturnType<typeof loadConfig>): string {
  // A write at start-up after the migrations (keys, settings, the ledger) that SQLite refused: as
  // clear as a failure to open the file.
  const err =
    !config.databaseUrl &&
    config.sqlitePath !== ':memory:' &&
    !(isGovbridgeError(thrown) && thrown.detail?.['sqlitePath']) &&
    isDatabaseUnavailable(thrown)
      ? sqliteStartError(config.sqlitePath, 'cannot be written while the hub starts', thrown)
      : thrown;
  const message = err instanceof Error ? err.message : String(err);
  const file = isGovbridgeError(err) ? err.detail?.['sqlitePath'] : undefined;
  if (typeof file !== 'string') return message;
  const chosenBy = process.env['GOVBRIDGE_SQLITE_PATH']
    ? 'set by GOVBRIDGE_SQLITE_PATH'
    : `the default ${config.sqlitePath} (relative to the working directory), as GOVBRIDGE_SQLITE_PATH is not set`;
  return `${message} (the path is ${chosenBy}; DATABASE_URL is not set, so the hub uses SQLite)`;
}

main().catch((err: unknown) => {
  const message =
    err instanceof StartFailure || isGovbridgeError(err)
      ? err.message
      : err instanceof Error
        ? err.message
        : String(err);
  process.stderr.write(`govbridge could not start: ${message}\n`);
  process.exit(1);
});
