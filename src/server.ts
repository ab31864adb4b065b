import { buildApp } from './app.ts';
import { loadConfig } from './config/index.ts';
import { isGovbridgeError } from './kernel/index.ts';

/** Listen and shut down gracefully; nothing else. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const built = await buildApp(config);
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

main().catch((err: unknown) => {
  const message = isGovbridgeError(err) ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`govbridge could not start: ${message}\n`);
  process.exit(1);
});
