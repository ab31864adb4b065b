import { z } from 'zod';

/**
 * Every setting govbridge reads from the environment, in one table: its variable, its schema, its
 * default and a sentence for the generated configuration reference (docs/configuration.md).
 * Add a setting here and nowhere else; `npm run docs:config` regenerates the reference.
 */
export interface Setting<T> {
  readonly env: string;
  readonly schema: z.ZodType<T>;
  /** Default, possibly depending on settings read before it. `undefined` = optional, no default. */
  readonly fallback?: (partial: Partial<Record<string, unknown>>) => T | undefined;
  readonly describe: string;
  /** Shown in docs as the default when it is computed. */
  readonly defaultText?: string;
  /** Secret values are never echoed in error messages or logs. */
  readonly secret?: boolean;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');
const httpUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));
/** An issuer identifier compared character for character (One Login's ends with `/`): kept exact. */
const issuerUrl = z
  .string()
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .refine((u) => !u.includes('?') && !u.includes('#'), 'must not have a query or fragment (OIDC Core §2)');
const positiveMs = z.coerce.number({ message: 'must be a number of milliseconds' }).int().min(1).max(600_000);

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export const settings = {
  nodeEnv: setting({
    env: 'NODE_ENV',
    schema: z.enum(['development', 'production', 'test'], {
      message: 'must be development, production or test',
    }),
    fallback: () => 'development' as const,
    describe:
      'Mode: `development`, `production` or `test`. `production` refuses simulators, demo services, generated keys and the development key-encryption key, and requires the settings below that say so. Must be set explicitly when `GOVBRIDGE_PUBLIC_URL` is https://.',
  }),
  host: setting({
    env: 'HOST',
    schema: z.string().min(1, 'must not be empty'),
    fallback: () => '127.0.0.1',
    describe: 'Interface the hub listens on. Must not be empty.',
  }),
  port: setting({
    env: 'PORT',
    schema: port,
    fallback: () => 3000,
    describe: 'TCP port the hub listens on: a whole number from 0 to 65535 (0 picks a free port).',
  }),
  publicUrl: setting({
    env: 'GOVBRIDGE_PUBLIC_URL',
    schema: httpUrl,
    fallback: (p) => `http://${p['host']}:${p['port']}`,
    defaultText: '`http://HOST:PORT`',
    describe:
      'Issuer and public base URL: an absolute http:// or https:// URL (final slashes are removed). Must be https:// in production; when it is https://, `NODE_ENV` must be set explicitly. Set the same value on every process behind one load balancer so they share one issuer.',
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    schema: z
      .string()
      .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// or postgresql:// URL'),
    describe:
      'PostgreSQL connection URL, starting with `postgres://` or `postgresql://`. Required in production. When unset, the hub uses the embedded SQLite file.',
    secret: true,
  }),
  databaseSchema: setting({
    env: 'GOVBRIDGE_DATABASE_SCHEMA',
    schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier'),
    describe:
      'PostgreSQL schema to use (created if missing): a lower-case SQL identifier of 1 to 63 characters, `a-z`, `0-9` and `_`, not starting with a digit. Used only with `DATABASE_URL`. Default: the connection’s search_path.',
  }),
  sqlitePath: setting({
    env: 'GOVBRIDGE_SQLITE_PATH',
    schema: z.string().min(1, 'must not be empty'),
    fallback: () => './data/govbridge.db',
    describe:
      'SQLite database file used when `DATABASE_URL` is unset (`:memory:` for a throwaway database). Must not be empty; a file that cannot be opened or migrated stops start-up.',
  }),
  keyEncryptionKey: setting({
    env: 'GOVBRIDGE_KEY_ENCRYPTION_KEY',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 random bytes, base64url-encoded (43 characters)'),
    describe:
      'Key (AES-256-GCM) that encrypts private keys kept in the database: 32 random bytes, base64url-encoded without padding, exactly 43 characters of `A-Z a-z 0-9 - _`. Required in production, where the published development key is refused; development uses that fixed, published development key.',
    secret: true,
  }),
  signingKeysFile: setting({
    env: 'GOVBRIDGE_SIGNING_KEYS_FILE',
    schema: z.string().min(1),
    describe:
      'Non-empty path of a private JWKS (JSON with a non-empty `keys` array) holding the hub’s ES256 signing keys: keys with `use: sig` (or no `use` and `alg: ES256`) are taken, and each must have a `kid`, `alg: ES256` and its private part `d`; the first is active, the rest stay published. Required in production: generated keys are refused. When set, the database key store is not used for signing.',
  }),
  notificationKeysFile: setting({
    env: 'GOVBRIDGE_NOTIFICATION_KEYS_FILE',
    schema: z.string().min(1),
    describe:
      'Non-empty path of a private JWKS (JSON with a non-empty `keys` array) holding the ES256 keys that sign Tell Us Once notifications (published at `/notifications/jwks.json`): each key with `use: sig` (or no `use` and `alg: ES256`) must have a `kid`, `alg: ES256` and its private part `d`; the first is active. Production never generates keys: start-up stops unless this file, or a key of this purpose already stored in the database, provides one.',
  }),
  simulators: setting({
    env: 'GOVBRIDGE_SIMULATORS',
    schema: bool,
    fallback: (p) => p['nodeEnv'] !== 'production',
    defaultText: '`true` unless `NODE_ENV=production`',
    describe:
      'Mount the built-in Singpass and GOV.UK One Login simulators under `/simulators/`: `true` or `false` (also `1`/`0`, `yes`/`no`). Refused in production.',
  }),
  demoServices: setting({
    env: 'GOVBRIDGE_DEMO_SERVICES',
    schema: bool,
    fallback: (p) => p['nodeEnv'] !== 'production',
    defaultText: '`true` unless `NODE_ENV=production`',
    describe:
      'Mount the demo relying-party services under `/demo/`: `true` or `false` (also `1`/`0`, `yes`/`no`). Refused in production.',
  }),
  initialAccessToken: setting({
    env: 'GOVBRIDGE_INITIAL_ACCESS_TOKEN',
    schema: z.string().min(32, 'must be at least 32 characters'),
    describe:
      'Initial access token that protects Dynamic Client Registration (RFC 7591): at least 32 characters. When unset, dynamic registration is disabled.',
    secret: true,
  }),
  cookieSecret: setting({
    env: 'GOVBRIDGE_COOKIE_SECRET',
    schema: z.string().min(32, 'must be at least 32 characters'),
    describe:
      'Secret that signs hub cookies: at least 32 characters. Required in production (shared by all processes); development generates one per database.',
    secret: true,
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
    fallback: (p) => (p['nodeEnv'] === 'test' ? 'silent' : 'info'),
    defaultText: '`info` (`silent` when `NODE_ENV=test`)',
    describe: 'pino log level: one of `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`.',
  }),
  trustFrameworkPath: setting({
    env: 'GOVBRIDGE_TRUST_FRAMEWORK',
    schema: z.string().min(1),
    fallback: () => 'trust/trust-framework.yaml',
    describe:
      'Path of the trust-framework file (schemes, assurance mapping, attribute mapping). Must not be empty; the file, and `environments.yaml` in the same directory, are validated at start and a broken one stops start-up.',
  }),
  catalogueDir: setting({
    env: 'GOVBRIDGE_CATALOGUE_DIR',
    schema: z.string().min(1),
    fallback: () => 'catalogue',
    describe:
      'Directory of the life-events catalogue (events, services, facts, dated parameters, rule cases), validated at start against the trust framework’s attributes; a broken file stops start-up naming file, path and reason. Must not be empty.',
  }),
  upstreamTimeoutMs: setting({
    env: 'GOVBRIDGE_UPSTREAM_TIMEOUT_MS',
    schema: positiveMs,
    fallback: () => 5000,
    describe:
      'Timeout for every call from the hub to a national identity provider: a whole number of milliseconds from 1 to 600000.',
  }),
  notificationWorker: setting({
    env: 'GOVBRIDGE_NOTIFICATION_WORKER',
    schema: bool,
    fallback: () => true,
    describe:
      'Run the Tell Us Once delivery worker in this process: `true` or `false` (also `1`/`0`, `yes`/`no`). Any number of processes may run it on PostgreSQL (rows are claimed with `FOR UPDATE SKIP LOCKED`).',
  }),
  notificationConcurrency: setting({
    env: 'GOVBRIDGE_NOTIFICATION_CONCURRENCY',
    schema: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1000),
    fallback: () => 64,
    describe: 'Notifications one process sends at once: a whole number from 1 to 1000.',
  }),
  notificationLeaseMs: setting({
    env: 'GOVBRIDGE_NOTIFICATION_LEASE_MS',
    schema: positiveMs,
    fallback: () => 60_000,
    describe:
      'How long a claimed notification stays with the process that claimed it: after a crash, its notifications are sent again (receivers drop the repeat by its idempotency key) once this has passed. A whole number of milliseconds from 1 to 600000.',
  }),
  notificationTimeoutMs: setting({
    env: 'GOVBRIDGE_NOTIFICATION_TIMEOUT_MS',
    schema: positiveMs,
    fallback: () => 10_000,
    describe:
      'Timeout for one delivery to an agency (connect, send, answer); a timeout is retried. A whole number of milliseconds from 1 to 600000.',
  }),
  notificationPollMs: setting({
    env: 'GOVBRIDGE_NOTIFICATION_POLL_MS',
    schema: positiveMs,
    fallback: () => 250,
    describe:
      'How often an idle worker looks for due notifications (a report made in the same process wakes it at once). A whole number of milliseconds from 1 to 600000.',
  }),
  notificationBackoffMs: setting({
    env: 'GOVBRIDGE_NOTIFICATION_BACKOFF_MS',
    schema: positiveMs,
    fallback: () => 2_000,
    describe:
      'First retry delay, a whole number of milliseconds from 1 to 600000; each retry doubles it (with jitter) up to 6 hours. `Retry-After` from a 429 or 503 is honoured up to 24 hours.',
  }),
  notificationMaxAttempts: setting({
    env: 'GOVBRIDGE_NOTIFICATION_MAX_ATTEMPTS',
    schema: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(50),
    fallback: () => 12,
    describe:
      'Attempts before a notification goes to the dead letters, for agencies that do not set their own limit: a whole number from 1 to 50.',
  }),
  ledgerOrigin: setting({
    env: 'GOVBRIDGE_LEDGER_ORIGIN',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9.:/_-]{1,200}$/, 'must be a schema-less URL-like name without spaces or "+"'),
    fallback: (p) => `${new URL(String(p['publicUrl'])).hostname}/ledger`,
    defaultText: '`<public URL host name>/ledger`',
    describe:
      'Origin line of the transparency ledger’s checkpoints (C2SP tlog-checkpoint), also the name of its signing key: 1 to 200 characters of letters, digits and `. : / _ -` (a schema-less URL-like name: no spaces, no `+`). Never change it for a running log.',
  }),
  ledgerKeysFile: setting({
    env: 'GOVBRIDGE_LEDGER_KEYS_FILE',
    schema: z.string().min(1),
    describe:
      'Non-empty path of a private JWKS (JSON with a non-empty `keys` array) holding the Ed25519 key (OKP, `alg: EdDSA`) that signs ledger checkpoints: each key with `use: sig` (or no `use` and `alg: EdDSA`) must have a `kid`, `alg: EdDSA` and its private part `d`; the first is active. Production never generates keys: start-up stops unless this file, or a key of this purpose already stored in the database, provides one.',
  }),
  ledgerCheckpointMs: setting({
    env: 'GOVBRIDGE_LEDGER_CHECKPOINT_MS',
    schema: positiveMs,
    fallback: () => 2_000,
    describe:
      'How often a hub process signs a new ledger checkpoint when entries were added: a whole number of milliseconds from 1 to 600000.',
  }),
  ledgerWitnessKeys: setting({
    env: 'GOVBRIDGE_LEDGER_WITNESS_KEYS',
    schema: z.string().transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    ),
    fallback: () => [],
    defaultText: 'none',
    describe:
      'Comma-separated cosigner verifier keys (C2SP tlog-cosignature) of witnesses — for example the other country’s hub — whose cosignatures of our checkpoints are accepted and published. Each is `<name>+<key id: 8 lower-case hex digits>+<base64 key>`, of type 0x04 (cosignature) with a 32-byte Ed25519 key, and its key id must match name and key; an invalid one stops start-up.',
  }),
  ledgerWitnessedLogs: setting({
    env: 'GOVBRIDGE_LEDGER_WITNESSED_LOGS',
    schema: z.string().transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    ),
    fallback: () => [],
    defaultText: 'none',
    describe:
      'Comma-separated verifier keys (`<origin>+<key id: 8 lower-case hex digits>+<base64 key>`, type 0x01 Ed25519 with a 32-byte key, key id matching name and key; an invalid one stops start-up) of other hubs’ ledgers this hub witnesses: it cosigns their checkpoints at `POST /ledger/witness/add-checkpoint` after checking consistency with what it cosigned before.',
  }),
  ledgerWitnessUrls: setting({
    env: 'GOVBRIDGE_LEDGER_WITNESS_URLS',
    schema: z.string().transform((v, ctx) => {
      const urls = v
        .split(',')
        .map((u) => u.trim().replace(/\/+$/, ''))
        .filter(Boolean);
      for (const u of urls) {
        if (!/^https?:\/\/[^\s?#]+$/.test(u)) {
          ctx.addIssue({
            code: 'custom',
            message: 'each must be an http(s) URL without query or fragment',
          });
        }
      }
      return urls;
    }),
    fallback: () => [],
    defaultText: 'none',
    describe:
      'Comma-separated base URLs of the hubs that witness our ledger (for example the other country’s hub). Each process pushes every new checkpoint to each of them (`POST <url>/ledger/witness/add-checkpoint`, C2SP tlog-witness) on a timer, keeps the cosignatures (their keys must be in `GOVBRIDGE_LEDGER_WITNESS_KEYS`), and `ledger verify` and start-up compare the local tree with the largest checkpoint each cosigned: a removed tail is found without anyone running `ledger cosign`. Each must be an absolute http:// or https:// URL without query or fragment (a final `/` is dropped).',
  }),
  ledgerWitnessPushMs: setting({
    env: 'GOVBRIDGE_LEDGER_WITNESS_PUSH_MS',
    schema: positiveMs,
    fallback: () => 10_000,
    describe:
      'How often a hub process pushes its latest checkpoint to the witnesses in `GOVBRIDGE_LEDGER_WITNESS_URLS`. A witness that does not answer is retried with exponential backoff from this interval up to 15 minutes; one warn line per outage. A whole number of milliseconds from 1 to 600000.',
  }),
  metricsPort: setting({
    env: 'GOVBRIDGE_METRICS_PORT',
    schema: port,
    describe:
      'Port of the metrics listener: `GET /metrics` in the Prometheus exposition format (ADR 14), on a listener of its own, never the public one. A whole number from 0 to 65535 (0 picks a free port). When unset, no metrics listener is started.',
  }),
  otlpEndpoint: setting({
    env: 'GOVBRIDGE_OTLP_ENDPOINT',
    schema: httpUrl,
    describe:
      'OTLP/HTTP endpoint traces are exported to (ADR 17), the full path of a collector’s trace receiver, for example `http://127.0.0.1:4318/v1/traces`: an absolute http:// or https:// URL (final slashes are removed). When unset nothing is exported: spans still exist in the process, so every log line of a request carries its `trace_id`, and are dropped when they end.',
  }),
  metricsHost: setting({
    env: 'GOVBRIDGE_METRICS_HOST',
    schema: z.string().min(1, 'must not be empty'),
    fallback: () => '127.0.0.1',
    describe:
      'Interface the metrics listener binds to (must not be empty). Loopback by default, so only a scraper on the same machine (or a sidecar) reaches it; bind it wider only behind a network policy.',
  }),
  adminToken: setting({
    env: 'GOVBRIDGE_ADMIN_TOKEN',
    schema: z.string().min(32, 'must be at least 32 characters'),
    describe:
      'Bearer token for the operator API under `/admin/api/` (agencies, notification queues, dead letters, replay, ledger problems, and `GET /admin/api/metrics`: the Prometheus exposition, as on the metrics listener): at least 32 characters. When unset, the operator API is off (404) and operators use the CLI.',
    secret: true,
  }),
  adminIssuer: setting({
    env: 'GOVBRIDGE_ADMIN_ISSUER',
    schema: issuerUrl,
    describe:
      "Issuer of the OpenID Provider operators sign in to the console (`/admin`) with — your organisation's (Microsoft Entra ID, Google Workspace, Okta, Keycloak…): an absolute http:// or https:// URL without query or fragment (OIDC Core §2), kept exactly as written; discovery is read from `<issuer>/.well-known/openid-configuration`. Authorization code with PKCE; the ID token is checked by openid-client. Must be https:// in production. When unset, operators sign in with one-time links from `npm run cli -- admin sign-in-link` (ADR 18).",
  }),
  adminClientId: setting({
    env: 'GOVBRIDGE_ADMIN_CLIENT_ID',
    schema: z.string().min(1, 'must not be empty').max(255),
    describe:
      "The console's client id at `GOVBRIDGE_ADMIN_ISSUER`, 1 to 255 characters (required with it). Redirect URI to register there: `<GOVBRIDGE_PUBLIC_URL>/admin/sign-in/callback`.",
  }),
  adminClientSecret: setting({
    env: 'GOVBRIDGE_ADMIN_CLIENT_SECRET',
    schema: z.string().min(16, 'must be at least 16 characters'),
    describe:
      "The console's client secret at `GOVBRIDGE_ADMIN_ISSUER`, at least 16 characters (client_secret_basic; required with it).",
    secret: true,
  }),
  adminOperators: setting({
    env: 'GOVBRIDGE_ADMIN_OPERATORS',
    schema: z.string().transform((v, ctx) => {
      const out: { subject: string; role: 'viewer' | 'operator' }[] = [];
      for (const item of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const m = /^(.{1,255})=(viewer|operator)$/.exec(item);
        if (!m) {
          ctx.addIssue({
            code: 'custom',
            message: 'each entry must be <subject>=viewer or <subject>=operator',
          });
          return z.NEVER;
        }
        out.push({ subject: m[1]!, role: m[2] as 'viewer' | 'operator' });
      }
      return out;
    }),
    fallback: () => [],
    describe:
      'Operators allowed into the console by their `sub` at `GOVBRIDGE_ADMIN_ISSUER`, with a role: a comma-separated list of `<subject>=viewer` or `<subject>=operator`. Viewers see everything; operators also approve, suspend, resume and replay. Anyone else is refused (warn `operator_sign_in_refused`).',
  }),
  adminGroupsClaim: setting({
    env: 'GOVBRIDGE_ADMIN_GROUPS_CLAIM',
    schema: z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, 'must be a claim name'),
    describe:
      "Alternatively to (or beside) `GOVBRIDGE_ADMIN_OPERATORS`: the ID token claim holding the person's groups (for example `groups` or `roles`); its values are compared with `GOVBRIDGE_ADMIN_OPERATOR_GROUP` and `GOVBRIDGE_ADMIN_VIEWER_GROUP`. An explicit subject entry wins over groups.",
  }),
  adminOperatorGroup: setting({
    env: 'GOVBRIDGE_ADMIN_OPERATOR_GROUP',
    schema: z.string().min(1).max(255),
    describe:
      'Group (in `GOVBRIDGE_ADMIN_GROUPS_CLAIM`) whose members sign in as operators: 1 to 255 characters.',
  }),
  adminViewerGroup: setting({
    env: 'GOVBRIDGE_ADMIN_VIEWER_GROUP',
    schema: z.string().min(1).max(255),
    describe:
      'Group (in `GOVBRIDGE_ADMIN_GROUPS_CLAIM`) whose members sign in as viewers: 1 to 255 characters.',
  }),
  keyRotationDays: setting({
    env: 'GOVBRIDGE_KEY_ROTATION_DAYS',
    schema: z.coerce.number({ message: 'must be a whole number of days' }).int().min(1).max(3650),
    fallback: () => 90,
    describe:
      'How old an active key may get before the console shows its rotation as due (`npm run cli -- keys rotate`): a whole number of days, 1 to 3650. The hub never rotates by itself.',
  }),
  singpassSimulatorScenario: setting({
    env: 'GOVBRIDGE_SINGPASS_SIMULATOR_SCENARIO',
    schema: z.string().regex(/^[a-z_]{1,40}$/, 'must be a scenario name'),
    describe:
      'Error scenario the built-in Singpass simulator plays for every login that does not pick one with `login_hint`: 1 to 40 characters of `a-z` and `_`, and, when simulators are on, one of the scenario names in `src/simulators/singpass/README.md` (another stops start-up).',
  }),
  oneloginSimulatorScenario: setting({
    env: 'GOVBRIDGE_ONELOGIN_SIMULATOR_SCENARIO',
    schema: z.string().regex(/^[a-z_]{1,40}$/, 'must be a scenario name'),
    describe:
      'Error scenario the built-in One Login simulator plays for every login that does not pick one with `login_hint`: 1 to 40 characters of `a-z` and `_`, and, when simulators are on, one of the scenario names in `src/simulators/onelogin/README.md` (another stops start-up).',
  }),
  singpassProfile: setting({
    env: 'GOVBRIDGE_SINGPASS_PROFILE',
    schema: z.enum(['fapi', 'legacy'], { message: 'must be fapi or legacy' }),
    fallback: () => 'fapi' as const,
    describe:
      'Singpass integration profile: `fapi` (FAPI 2.0, required from 31 Dec 2026) or `legacy` (pre-FAPI OIDC).',
  }),
  singpassIssuer: setting({
    env: 'GOVBRIDGE_SINGPASS_ISSUER',
    schema: issuerUrl,
    fallback: (p) =>
      p['simulators']
        ? `${p['publicUrl']}/simulators/singpass${p['singpassProfile'] === 'legacy' ? '' : '/fapi'}`
        : undefined,
    defaultText: 'the built-in simulator when simulators are on',
    describe:
      'Singpass issuer: an absolute http:// or https:// URL without query or fragment (OIDC Core §2), kept exactly as written and compared character for character with the discovery document’s `issuer`; discovery is read from `<issuer>/.well-known/openid-configuration`. Must be https:// in production. Singpass is enabled when this and the client id are set. Staging FAPI: `https://stg-id.singpass.gov.sg/fapi`.',
  }),
  singpassClientId: setting({
    env: 'GOVBRIDGE_SINGPASS_CLIENT_ID',
    schema: z.string().min(1),
    fallback: (p) => (p['simulators'] ? 'govbridge-hub' : undefined),
    defaultText: '`govbridge-hub` with the simulator',
    describe: 'Client id the hub registered with Singpass. Must not be empty.',
  }),
  singpassKeysFile: setting({
    env: 'GOVBRIDGE_SINGPASS_KEYS_FILE',
    schema: z.string().min(1),
    describe:
      'Non-empty path of a private JWKS file (JSON with a non-empty `keys` array) with the hub’s Singpass keys: `use: sig` keys with `alg: ES256` and `use: enc` keys with `alg: ECDH-ES+A256KW` (a key without `use` is taken by its `alg`), each with a `kid` and its private part `d`; the first of each is active. Required in production when Singpass is enabled; and production never generates keys, so even with Singpass off start-up stops unless this file, or keys of these purposes already stored in the database, provide them. Development generates and stores them.',
  }),
  oneloginIssuer: setting({
    env: 'GOVBRIDGE_ONELOGIN_ISSUER',
    schema: issuerUrl,
    fallback: (p) => (p['simulators'] ? `${p['publicUrl']}/simulators/onelogin` : undefined),
    defaultText: 'the built-in simulator when simulators are on',
    describe:
      'GOV.UK One Login issuer: an absolute http:// or https:// URL without query or fragment (OIDC Core §2), kept exactly as written and compared character for character with the discovery document’s `issuer` (integration: `https://oidc.integration.account.gov.uk/`, with the final slash). Discovery is read from `<issuer>/.well-known/openid-configuration`. Must be https:// in production. One Login is enabled when this, the client id, the DID URL and the identity issuer are all set.',
  }),
  oneloginClientId: setting({
    env: 'GOVBRIDGE_ONELOGIN_CLIENT_ID',
    schema: z.string().min(1),
    fallback: (p) => (p['simulators'] ? 'govbridge-hub' : undefined),
    defaultText: '`govbridge-hub` with the simulator',
    describe: 'Client id the hub registered with GOV.UK One Login. Must not be empty.',
  }),
  oneloginKeysFile: setting({
    env: 'GOVBRIDGE_ONELOGIN_KEYS_FILE',
    schema: z.string().min(1),
    describe:
      'Non-empty path of a private JWKS file (JSON with a non-empty `keys` array) with the hub’s One Login signing keys: each key with `use: sig` (or no `use` and `alg: RS256`) must be RSA with a `kid`, `alg: RS256` and its private part `d`; the first is active. Required in production when One Login is enabled; and production never generates keys, so even with One Login off start-up stops unless this file, or a key of this purpose already stored in the database, provides one. Development generates and stores it.',
  }),
  oneloginDidUrl: setting({
    env: 'GOVBRIDGE_ONELOGIN_DID_URL',
    schema: httpUrl,
    fallback: (p) =>
      p['simulators'] ? `${p['publicUrl']}/simulators/onelogin/identity/.well-known/did.json` : undefined,
    defaultText: 'the simulator’s when simulators are on',
    describe:
      'Pinned DID document of the identity issuer that signs `coreIdentityJWT` (integration: `https://identity.integration.account.gov.uk/.well-known/did.json`): an absolute http:// or https:// URL (final slashes are removed). Must be https:// in production. Never resolved generically.',
  }),
  oneloginIdentityIssuer: setting({
    env: 'GOVBRIDGE_ONELOGIN_IDENTITY_ISSUER',
    schema: httpUrl.transform((u) => `${u}/`),
    fallback: (p) => (p['simulators'] ? `${p['publicUrl']}/simulators/onelogin/identity/` : undefined),
    defaultText: 'the simulator’s when simulators are on',
    describe:
      'Expected `iss` of `coreIdentityJWT` (integration: `https://identity.integration.account.gov.uk/`): an absolute http:// or https:// URL, stored with exactly one final `/`. Must be https:// in production.',
  }),
  oneloginRequestObjectClaims: setting({
    env: 'GOVBRIDGE_ONELOGIN_REQUEST_OBJECT_CLAIMS',
    schema: z.enum(['object', 'string'], { message: 'must be object or string' }),
    fallback: () => 'object' as const,
    describe:
      'How the request object sent to One Login carries `claims`: `object` (the documented form; GOV.UK One Login accepts both) or `string`, a JSON string, which the public GOV.UK One Login simulator needs (it answers HTTP 500 to an object). See `docs/connectors/onelogin.md`.',
  }),
} as const;

/**
 * The configuration the hub runs with. Kept by hand beside the table (a mapped type cannot tell a
 * computed default that is always present from one that may be absent); `config.test.ts` checks
 * the two agree key for key.
 */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly databaseSchema: string | undefined;
  readonly sqlitePath: string;
  /** Always present after loading: the development key outside production. */
  readonly keyEncryptionKey: string;
  readonly signingKeysFile: string | undefined;
  readonly notificationKeysFile: string | undefined;
  readonly simulators: boolean;
  readonly demoServices: boolean;
  readonly initialAccessToken: string | undefined;
  readonly cookieSecret: string | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly trustFrameworkPath: string;
  readonly catalogueDir: string;
  readonly upstreamTimeoutMs: number;
  readonly notificationWorker: boolean;
  readonly notificationConcurrency: number;
  readonly notificationLeaseMs: number;
  readonly notificationTimeoutMs: number;
  readonly notificationPollMs: number;
  readonly notificationBackoffMs: number;
  readonly notificationMaxAttempts: number;
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  readonly otlpEndpoint: string | undefined;
  readonly adminToken: string | undefined;
  readonly adminIssuer: string | undefined;
  readonly adminClientId: string | undefined;
  readonly adminClientSecret: string | undefined;
  readonly adminOperators: readonly { subject: string; role: 'viewer' | 'operator' }[];
  readonly adminGroupsClaim: string | undefined;
  readonly adminOperatorGroup: string | undefined;
  readonly adminViewerGroup: string | undefined;
  readonly keyRotationDays: number;
  readonly ledgerOrigin: string;
  readonly ledgerKeysFile: string | undefined;
  readonly ledgerCheckpointMs: number;
  readonly ledgerWitnessKeys: readonly string[];
  readonly ledgerWitnessedLogs: readonly string[];
  readonly ledgerWitnessUrls: readonly string[];
  readonly ledgerWitnessPushMs: number;
  readonly singpassSimulatorScenario: string | undefined;
  readonly oneloginSimulatorScenario: string | undefined;
  readonly singpassProfile: 'fapi' | 'legacy';
  readonly singpassIssuer: string | undefined;
  readonly singpassClientId: string | undefined;
  readonly singpassKeysFile: string | undefined;
  readonly oneloginIssuer: string | undefined;
  readonly oneloginClientId: string | undefined;
  readonly oneloginKeysFile: string | undefined;
  readonly oneloginDidUrl: string | undefined;
  readonly oneloginIdentityIssuer: string | undefined;
  readonly oneloginRequestObjectClaims: 'object' | 'string';
}

export type SettingKey = keyof typeof settings;
