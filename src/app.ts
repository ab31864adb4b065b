import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  AccountSessionStore,
  appendUnledgeredReleases,
  ClientRegistry,
  createProvider,
  endProviderSession,
  GrantClaimsStore,
  KEY_PURPOSES,
  KeyStore,
  LoginService,
  providerRoutes,
  revokeGrantsOfConsent,
  SCOPE_CLAIMS,
  sweepExpired,
} from './broker/index.ts';
import type { Config } from './config/index.ts';
import {
  createOneLoginConnector,
  createSingpassConnector,
  type SchemeConnector,
} from './connectors/index.ts';
import { ConsentService } from './consent/index.ts';
import { createDemoAgencies, createDemoServices } from './demo/index.ts';
import { GovbridgeError, keyFromBase64url, randomId, systemClock } from './kernel/index.ts';
import {
  createLedger,
  createWitness,
  createWitnessPusher,
  type Ledger,
  listProblems,
  runStartupRepairs,
  type Witness,
} from './ledger/index.ts';
import {
  type Catalogue,
  JourneyStore,
  LIFE_EVENTS_CLIENT_ID,
  loadCatalogue,
  recordVerifiedDetails,
} from './life-events/index.ts';
import {
  AgencyRegistry,
  appendUnledgeredNotifications,
  DeliveryWorker,
  type EventTypes,
  NotificationOperator,
  ReportService,
} from './notifications/index.ts';
import {
  createHubMetrics,
  type HubMetrics,
  startMetricsServer,
  startTracing,
} from './observability/index.ts';
import { AuditTrail, OperatorActions, OperatorOidc, OperatorSessions, RefusalLog } from './operator/index.ts';
import { loadPolicyEngine, type PolicyEngine } from './policy/index.ts';
import {
  ONELOGIN_SCENARIOS,
  oneLoginSimulator,
  singpassScenarios,
  singpassSimulator,
} from './simulators/index.ts';
import { OutageTracker, openStorage, type Storage } from './storage/index.ts';
import {
  attributeCatalogue,
  classifiedFieldNames,
  type EnvironmentRegistry,
  hubLevels,
  loadEnvironments,
  loadTrustFramework,
  type SchemeId,
  type TrustFramework,
} from './trust/index.ts';
import {
  adminApi,
  adminConsole,
  apiDocs,
  contentSecurityPolicyHeader,
  createLogger,
  endAccountSessionOfRaw,
  hubPages,
  ledgerRoutes,
  lifeEventPages,
  lifeEventsApi,
  providerPageRenderers,
  releasePages,
  reportPages,
  traceRequests,
  type Views,
  webFoundation,
  webFrameworkErrors,
} from './web/index.ts';

/**
 * The composition root: the only place that knows every module. `openContext` builds the services
 * (used by the server and the CLI); `buildApp` adds HTTP. Nothing here holds request state: every
 * process built from the same configuration and database is interchangeable.
 */
export interface AppContext {
  config: Config;
  storage: Storage;
  trust: TrustFramework;
  catalogue: Catalogue;
  /** Hosting environments (trust/environments.yaml) and the release policy (policies/). */
  environments: EnvironmentRegistry;
  policy: PolicyEngine;
  /** The transparency ledger (RFC 9162 Merkle log) every release is appended to. */
  ledger: Ledger;
  /** This hub as a witness of other hubs' ledgers (none configured: undefined). */
  witness: Witness | undefined;
  keys: KeyStore;
  keyPurposes: string[];
  clients: ClientRegistry;
  consents: ConsentService;
  grantClaims: GrantClaimsStore;
  /** Tell Us Once: agencies, reports (transactional outbox) and the operator's view of the queues. */
  notifications: {
    eventTypes: EventTypes;
    agencies: AgencyRegistry;
    reports: ReportService;
    operator: NotificationOperator;
    /** Set by a process that runs the delivery worker, so a new report is sent at once. */
    onWork: { nudge: () => void };
  };
  kek: Uint8Array;
  secrets: { cookieSecret: string; pairwiseSalt: string };
  /** Prometheus metrics of this hub (ADR 14); served on GOVBRIDGE_METRICS_PORT when set. */
  metrics: HubMetrics;
  /**
   * The operators' side (ADR 18): actions recorded in the audit trail (shared by the console, the CLI
   * and the operator API), console sessions and sign-in links, and refused logins for the console.
   */
  operator: {
    audit: AuditTrail;
    actions: OperatorActions;
    sessions: OperatorSessions;
    refusals: RefusalLog;
  };
  close(): Promise<void>;
}

export async function openContext(config: Config): Promise<AppContext> {
  const trust = loadTrustFramework(config.trustFrameworkPath);
  // The catalogue is data validated at start: a broken file stops start-up naming file, path and reason.
  const catalogue = loadCatalogue(config.catalogueDir, {
    claims: new Set(Object.keys(attributeCatalogue(trust))),
  });
  // So are the hosting environments and the release policy (Cedar, strictly validated).
  const environments = environmentRegistry(config);
  const policy = loadPolicyEngine({ dir: POLICIES_DIR, trust, environments });
  const metrics = createHubMetrics();
  policy.observe(metrics.policy);
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    ...(config.databaseSchema ? { postgresSchema: config.databaseSchema } : {}),
  });
  try {
    const kek = keyFromBase64url(config.keyEncryptionKey);
    const keys = new KeyStore({
      storage,
      kek,
      allowGenerate: config.nodeEnv !== 'production',
      files: {
        ...(config.signingKeysFile ? { 'hub-sig': config.signingKeysFile } : {}),
        ...(config.singpassKeysFile
          ? { 'singpass-sig': config.singpassKeysFile, 'singpass-enc': config.singpassKeysFile }
          : {}),
        ...(config.oneloginKeysFile ? { 'onelogin-sig': config.oneloginKeysFile } : {}),
        ...(config.notificationKeysFile ? { 'notify-sig': config.notificationKeysFile } : {}),
        ...(config.ledgerKeysFile ? { 'ledger-sig': config.ledgerKeysFile } : {}),
      },
    });
    await keys.load();
    // The transparency ledger, signed with the hub's Ed25519 ledger key; the witnesses whose
    // cosignatures it accepts; and, when configured, this hub as a witness of other hubs' ledgers.
    const ledgerKey = createPrivateKey({ key: keys.active('ledger-sig') as JsonWebKey, format: 'jwk' });
    const ledger = createLedger({
      storage,
      signer: ledgerKey,
      origin: config.ledgerOrigin,
      witnesses: config.ledgerWitnessKeys,
    });
    const witness =
      config.ledgerWitnessedLogs.length > 0
        ? createWitness({
            storage,
            name: config.ledgerOrigin.replace(/\/ledger$/, '/witness'),
            privateKey: ledgerKey,
            logs: config.ledgerWitnessedLogs.map((key) => ({
              origin: key.split('+')[0]!,
              verifierKeys: [key],
            })),
          })
        : undefined;
    const cookieSecret = config.cookieSecret ?? (await persistentSecret(storage, 'cookie-secret'));
    const pairwiseSalt = await persistentSecret(storage, 'pairwise-salt');
    const clients = new ClientRegistry({
      storage,
      knownAttributes: Object.keys(attributeCatalogue(trust)),
      hubLevels: hubLevels(trust).map((l) => l.acr),
      environments: environments.environments.map((e) => e.id),
      allowLoopbackHttpRedirects: config.nodeEnv !== 'production',
    });
    const eventTypes: EventTypes = trust.events ?? {};
    const agencies = new AgencyRegistry({
      storage,
      eventTypes,
      environments: new Set(Object.keys(environments.byId)),
      allowLoopbackHttp: config.nodeEnv !== 'production',
      defaultMaxAttempts: config.notificationMaxAttempts,
    });
    const onWork = { nudge: () => {} };
    const notifications = {
      eventTypes,
      agencies,
      reports: new ReportService({
        storage,
        kek,
        agencies,
        eventTypes,
        // Every notification payload is decided by the release policy before it is written: an
        // agency whose environment may not hold a field never receives it.
        decide: ({ agency, eventType, fields }) =>
          policy
            .decideRelease({
              recipient: {
                kind: 'agency',
                id: agency.agencyId,
                name: agency.name,
                country: agency.country,
                environment: agency.environment,
              },
              attributes: fields.map((f) => `${eventType}.${f}`),
              // A report goes to agencies of both countries: treated as cross-border, on the
              // citizen's explicit confirmation of who receives what (consent).
              context: {
                purpose: `Tell Us Once: a ${eventType} reported by the citizen`,
                consentGiven: true,
                crossBorder: true,
                legalBasis: 'consent',
              },
            })
            .map((d) => ({
              field: d.attribute.slice(eventType.length + 1),
              allowed: d.decision === 'allow',
              policies: d.policies,
              reason: d.reason,
            })),
        onSubmitted: () => onWork.nudge(),
        ledger,
        trustFrameworkVersion: trust.version,
      }),
      operator: new NotificationOperator(storage, { onReplay: () => onWork.nudge() }),
      onWork,
    };
    const audit = new AuditTrail({ storage, signingKey: ledgerKey });
    const operator = {
      audit,
      actions: new OperatorActions({ clients, agencies, notifications: notifications.operator, audit }),
      sessions: new OperatorSessions(storage),
      refusals: new RefusalLog(storage),
    };
    return {
      config,
      storage,
      trust,
      catalogue,
      environments,
      policy,
      ledger,
      witness,
      notifications,
      keys,
      keyPurposes: Object.keys(KEY_PURPOSES),
      clients,
      consents: new ConsentService(storage, systemClock, metrics.consent),
      grantClaims: new GrantClaimsStore(storage, kek),
      kek,
      secrets: { cookieSecret, pairwiseSalt },
      metrics,
      operator,
      close: async () => {
        await ledger.close();
        await storage.close();
      },
    };
  } catch (err) {
    await storage.close();
    throw err;
  }
}

/** The release policy: the Cedar schema and policies, relative to the working directory like `catalogue/`. */
const POLICIES_DIR = 'policies';

/** The hosting environments registry, beside the trust framework (trust/environments.yaml). */
function environmentRegistry(config: Config): EnvironmentRegistry {
  return loadEnvironments(join(dirname(config.trustFrameworkPath), 'environments.yaml'));
}

/**
 * A secret shared by every process on this database (cookie signing in development, the pairwise
 * salt always): made once, race-free (insert-if-absent, then read what won).
 */
async function persistentSecret(storage: Storage, name: string): Promise<string> {
  await storage.db
    .insertInto('settings')
    .values({ name, value: randomId(32) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await storage.db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}

/** A configured simulator scenario, checked against the simulator's own list. */
function simulatorScenario<S extends string>(
  variable: string,
  value: string | undefined,
  known: readonly S[],
): S | undefined {
  if (value === undefined) return undefined;
  if (!(known as readonly string[]).includes(value)) {
    throw new GovbridgeError(
      'config_invalid',
      `Invalid configuration:\n  - ${variable} must be one of ${known.join(', ')} (got "${value}")`,
      {
        expose: false,
      },
    );
  }
  return value as S;
}

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
  /** The metrics listener's port, when GOVBRIDGE_METRICS_PORT is set. */
  metricsPort: number | undefined;
  close(): Promise<void>;
}

export async function buildApp(config: Config, options: { logger?: Logger } = {}): Promise<BuiltApp> {
  const ctx = await openContext(config);
  try {
    return await assemble(ctx, config, options);
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

async function assemble(ctx: AppContext, config: Config, options: { logger?: Logger }): Promise<BuiltApp> {
  // Nothing classified above public reaches a log line: the trust framework names the keys.
  const logger =
    options.logger ?? createLogger(config, undefined, { classified: classifiedFieldNames(ctx.trust) });
  // Typed as the plain FastifyInstance: plugins are written against it, and pino's Logger is a
  // FastifyBaseLogger at run time.
  const app = Fastify({
    loggerInstance: logger,
    frameworkErrors: webFrameworkErrors,
    bodyLimit: 64 * 1024,
    trustProxy: false,
  }) as unknown as FastifyInstance;
  // Traces (ADR 17): the SDK behind @opentelemetry/api, OTLP export only when configured; one server
  // span per request, before any route exists (its logger carries the trace id).
  const tracing = startTracing({ otlpEndpoint: config.otlpEndpoint });
  traceRequests(app);
  const publicUrl = config.publicUrl;

  const connectors = new Map<SchemeId, SchemeConnector>();
  if (config.singpassIssuer && config.singpassClientId) {
    connectors.set(
      'singpass',
      createSingpassConnector({
        issuer: config.singpassIssuer,
        clientId: config.singpassClientId,
        profile: config.singpassProfile,
        keys: { signing: ctx.keys.active('singpass-sig'), encryption: ctx.keys.usable('singpass-enc') },
        timeoutMs: config.upstreamTimeoutMs,
      }),
    );
  }
  if (
    config.oneloginIssuer &&
    config.oneloginClientId &&
    config.oneloginDidUrl &&
    config.oneloginIdentityIssuer
  ) {
    connectors.set(
      'onelogin',
      createOneLoginConnector({
        issuer: config.oneloginIssuer,
        clientId: config.oneloginClientId,
        keys: { signing: ctx.keys.active('onelogin-sig') },
        didUrl: config.oneloginDidUrl,
        identityIssuer: config.oneloginIdentityIssuer,
        requestObjectClaims: config.oneloginRequestObjectClaims,
        timeoutMs: config.upstreamTimeoutMs,
      }),
    );
  }

  let views: Views | undefined;
  const inScopes = new Set(Object.values(SCOPE_CLAIMS).flat());
  const provider = createProvider({
    claimsByNameOnly: Object.keys(attributeCatalogue(ctx.trust)).filter((c) => !inScopes.has(c)),
    issuer: publicUrl,
    storage: ctx.storage,
    clients: ctx.clients,
    grantClaims: ctx.grantClaims,
    signingKeys: ctx.keys.usable('hub-sig'),
    cookieKeys: [ctx.secrets.cookieSecret],
    pairwiseSalt: ctx.secrets.pairwiseSalt,
    acrValues: hubLevels(ctx.trust).map((l) => l.acr),
    initialAccessToken: config.initialAccessToken,
    secureCookies: publicUrl.startsWith('https://'),
    htmlSecurityHeaders: {
      'content-security-policy': contentSecurityPolicyHeader(config),
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    ...providerPageRenderers(() => views!),
    // Signing out at the OP (a service's logout) also ends the hub sign-in of this browser.
    onLogout: (req, res) => endAccountSessionOfRaw(app, config, req, res),
  });
  // oidc-provider reports errors as events; log the code only (never the request or tokens).
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider server error'));

  const login = new LoginService({
    provider,
    storage: ctx.storage,
    kek: ctx.kek,
    trust: ctx.trust,
    connectors,
    clients: ctx.clients,
    consents: ctx.consents,
    grantClaims: ctx.grantClaims,
    policy: ctx.policy,
    ledger: ctx.ledger,
    publicUrl,
    logger,
    observer: {
      ...ctx.metrics.login,
      declined: ctx.metrics.consent.declined,
      // Each refusal is also kept (codes only) for the console's "recent refusals"; never awaited, and
      // a database that cannot take it costs a log line, not the login's answer.
      refused: (scheme, clientId, code, check) => {
        ctx.metrics.login.refused(scheme, clientId, code, check);
        ctx.operator.refusals
          .record(scheme, clientId, code, check)
          .catch((err: unknown) => logger.warn({ err }, 'recording a refused login for the console failed'));
      },
    },
  });
  // Every operator action is logged too, with its place in the audit trail: shipped logs keep the
  // trail's heads where the database cannot recall them (ADR 18).
  ctx.operator.audit.onAppend = (r) =>
    logger.info(
      {
        event: 'operator_action',
        seq: r.seq,
        hash: r.hash,
        action: r.action,
        target: r.target,
        actor: r.actor.subject,
      },
      'operator action recorded',
    );

  const journeys = new JourneyStore(ctx.storage, systemClock, ctx.kek, {
    catalogueVersion: ctx.catalogue.version,
  });

  await app.register(webFoundation, {
    config,
    cookieSecret: ctx.secrets.cookieSecret,
    checkReady: () => ctx.storage.ready(),
    errorObserver: ctx.metrics.errors,
  });
  views = app.views;
  // Citizens' sign-ins to the hub's own pages, in the database (src/web/account/account-cookie.ts).
  const accountSessions = new AccountSessionStore(ctx.storage, systemClock, {
    refused: (check) => ctx.metrics.refusal.refused('account_session_refused', check),
  });
  app.decorate('accountSessions', accountSessions);
  await app.register(providerRoutes, { provider, issuer: publicUrl });
  await app.register(hubPages, {
    config,
    login,
    consents: ctx.consents,
    clients: ctx.clients,
    trust: ctx.trust,
    schemes: [...connectors.keys()],
    revokeGrants: (consentId: string) => revokeGrantsOfConsent(ctx.storage, consentId),
    // Verified details for a life-event journey: consent recorded, values sealed on the journey.
    onVerified: async ({ accountId, scheme, journeyId, verified }) =>
      (await recordVerifiedDetails(
        { journeys, consents: ctx.consents },
        {
          accountId,
          journeyId,
          scheme,
          trustFrameworkVersion: verified.trustFrameworkVersion,
          claims: verified.claims,
          at: new Date(),
        },
      )) !== undefined,
    onConsentWithdrawn: async (accountId: string, consentId: string) => {
      const consent = (await ctx.consents.list(accountId)).find((c) => c.consentId === consentId);
      if (consent?.clientId === LIFE_EVENTS_CLIENT_ID) await journeys.removeVerified(accountId);
    },
    endProviderSession: (req, res) => endProviderSession(provider, req, res),
  });

  await app.register(lifeEventPages, {
    config,
    catalogue: ctx.catalogue,
    journeys,
    login,
    schemes: [...connectors.keys()],
    reports: ctx.notifications.reports,
  });
  // Tell Us Once, the citizen's side: tell → check before you send → status (src/web/reports/README.md).
  await app.register(reportPages, {
    config,
    catalogue: ctx.catalogue,
    journeys,
    reports: ctx.notifications.reports,
    agencies: ctx.notifications.agencies,
    eventTypes: ctx.notifications.eventTypes,
    kek: ctx.kek,
  });

  // The transparency ledger, the citizen's side: every release of their data, each with a receipt
  // to verify offline (src/web/releases/README.md).
  await app.register(releasePages, {
    config,
    ledger: ctx.ledger,
    clients: ctx.clients,
    agencies: ctx.notifications.agencies,
    trust: ctx.trust,
    schemes: [...connectors.keys()],
  });

  // Life events as a JSON API (OpenAPI at /api/openapi.json), for agency services to embed journeys.
  await app.register(lifeEventsApi, { prefix: '/api', catalogue: ctx.catalogue });
  // Both APIs' OpenAPI documents rendered for people, at /api/docs (src/web/api-docs/README.md).
  await app.register(apiDocs, { adminApi: Boolean(config.adminToken) });

  // The public keys each national scheme fetches from us (Singpass reads the RP's JWKS URL).
  app.get('/connectors/singpass/jwks', async (_req, reply) =>
    reply
      .header('cache-control', 'public, max-age=300')
      .send(ctx.keys.publicJwks('singpass-sig', 'singpass-enc')),
  );
  app.get('/connectors/onelogin/jwks', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(ctx.keys.publicJwks('onelogin-sig')),
  );

  if (config.simulators) {
    const spScenario = simulatorScenario(
      'GOVBRIDGE_SINGPASS_SIMULATOR_SCENARIO',
      config.singpassSimulatorScenario,
      singpassScenarios,
    );
    const olScenario = simulatorScenario(
      'GOVBRIDGE_ONELOGIN_SIMULATOR_SCENARIO',
      config.oneloginSimulatorScenario,
      ONELOGIN_SCENARIOS,
    );
    await app.register(singpassSimulator, {
      ...(spScenario ? { defaultScenario: spScenario } : {}),
      prefix: '/simulators/singpass',
      baseUrl: `${publicUrl}/simulators/singpass`,
      clients: [
        {
          clientId: config.singpassClientId ?? 'govbridge-hub',
          jwksUri: `${publicUrl}/connectors/singpass/jwks`,
          redirectUris: [login.callbackUrl('singpass')],
        },
      ],
    });
    await app.register(oneLoginSimulator, {
      ...(olScenario ? { defaultScenario: olScenario } : {}),
      prefix: '/simulators/onelogin',
      baseUrl: `${publicUrl}/simulators/onelogin`,
      clients: [
        {
          clientId: config.oneloginClientId ?? 'govbridge-hub',
          jwksUri: `${publicUrl}/connectors/onelogin/jwks`,
          redirectUris: [login.callbackUrl('onelogin')],
        },
      ],
    });
  }

  if (config.demoServices) {
    const demos = await createDemoServices({
      hubIssuer: publicUrl,
      publicUrl,
      cookieKey: `${ctx.secrets.cookieSecret}:demo`,
    });
    for (const registration of demos.registrations) {
      await ctx.clients.register(registration as unknown as Record<string, unknown>);
    }
    await app.register(demos.plugin, { prefix: '/demo' });
    // Demo agencies (Tell Us Once receivers): verify, decrypt, de-duplicate and show what they got.
    const demoAgencies = await createDemoAgencies({
      publicUrl,
      hubJwksUrl: `${publicUrl}/notifications/jwks.json`,
      secret: `${ctx.secrets.cookieSecret}:demo-agencies`,
      db: ctx.storage.db,
    });
    for (const registration of demoAgencies.registrations) {
      await ctx.notifications.agencies.register(registration);
    }
    await app.register(demoAgencies.plugin, { prefix: '/demo' });
  }

  // The transparency ledger: checked end to end before serving (a changed, removed or inserted entry,
  // or a rewritten checkpoint, stops start-up), public proofs, and a checkpoint signed on a timer.
  await ctx.ledger.verifyIntegrity();
  // Repairs (releases a crash left out of the ledger) never stop start-up: a row that cannot be
  // repaired is logged and flagged for the operator (ledger verify, /admin/api/ledger/problems).
  const healed = await runStartupRepairs(ctx.storage, logger, [
    ['releases', () => appendUnledgeredReleases(ctx.storage, ctx.ledger, logger)],
    [
      'notifications',
      () => appendUnledgeredNotifications(ctx.storage, ctx.ledger, ctx.trust.version, logger),
    ],
  ]);
  if (healed > 0) logger.warn({ count: healed }, 'releases missing from the ledger were appended');
  await app.register(ledgerRoutes, { prefix: '/ledger', ledger: ctx.ledger, witness: ctx.witness });
  let lastCheckpointSize = -1;
  // While the database is away the timer pauses (backoff) and says so once, not on every tick.
  const checkpointOutage = new OutageTracker(logger, 'ledger checkpoints', {
    baseMs: config.ledgerCheckpointMs,
  });
  const checkpointer = setInterval(() => {
    if (!checkpointOutage.due()) return;
    ctx.ledger
      .size()
      .then(async (n) => {
        if (n !== lastCheckpointSize) {
          await ctx.ledger.checkpoint();
          lastCheckpointSize = n;
        }
        checkpointOutage.succeeded();
      })
      .catch((err: unknown) => {
        if (!checkpointOutage.failed(err)) logger.warn({ err }, 'signing a ledger checkpoint failed');
      });
  }, config.ledgerCheckpointMs);
  checkpointer.unref();
  // Each new checkpoint goes to the configured witnesses on a timer (with backoff while one is down),
  // so a removed tail is found without an operator running `ledger cosign` (src/ledger/README.md).
  const witnessPusher = createWitnessPusher({
    storage: ctx.storage,
    ledger: ctx.ledger,
    urls: config.ledgerWitnessUrls,
    log: logger,
    baseBackoffMs: config.ledgerWitnessPushMs,
  });
  const witnessTimer =
    config.ledgerWitnessUrls.length > 0
      ? setInterval(() => void witnessPusher.tick(), config.ledgerWitnessPushMs)
      : undefined;
  witnessTimer?.unref();
  if (witnessTimer) app.addHook('onReady', async () => void witnessPusher.tick());

  // Tell Us Once: the notification signing keys agencies verify with, the operator API, and the
  // delivery worker (any number of processes may run one; rows are claimed, never shared).
  app.get('/notifications/jwks.json', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(ctx.keys.publicJwks('notify-sig')),
  );
  if (config.adminToken) {
    await app.register(adminApi, {
      prefix: '/admin/api',
      token: config.adminToken,
      agencies: ctx.notifications.agencies,
      operator: ctx.notifications.operator,
      actions: ctx.operator.actions,
      ledger: { problems: () => listProblems(ctx.storage), witnesses: () => witnessPusher.status() },
      metrics: ctx.metrics,
    });
  }
  // The operator console (ADR 18): always on; operators sign in through GOVBRIDGE_ADMIN_ISSUER or
  // with a one-time link from `npm run cli -- admin sign-in-link`.
  await app.register(adminConsole, {
    config,
    sessions: ctx.operator.sessions,
    actions: ctx.operator.actions,
    oidc:
      config.adminIssuer && config.adminClientId && config.adminClientSecret
        ? new OperatorOidc({
            issuer: config.adminIssuer,
            clientId: config.adminClientId,
            clientSecret: config.adminClientSecret,
            redirectUri: `${publicUrl}/admin/sign-in/callback`,
            operators: config.adminOperators,
            groupsClaim: config.adminGroupsClaim,
            operatorGroup: config.adminOperatorGroup,
            viewerGroup: config.adminViewerGroup,
            allowHttp: config.nodeEnv !== 'production',
          })
        : undefined,
    clients: ctx.clients,
    agencies: ctx.notifications.agencies,
    notifications: ctx.notifications.operator,
    ledger: ctx.ledger,
    ledgerStatus: { problems: () => listProblems(ctx.storage), witnesses: () => witnessPusher.status() },
    keys: ctx.keys,
    refusals: ctx.operator.refusals,
    onRefused: (code, check) => {
      logger.warn({ event: code, code, check }, 'operator console refused a request');
      ctx.metrics.refusal.refused(code, check);
    },
  });
  let worker: DeliveryWorker | undefined;
  if (config.notificationWorker) {
    worker = new DeliveryWorker({
      storage: ctx.storage,
      kek: ctx.kek,
      source: `${publicUrl}/notifications`,
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
    const w = worker;
    ctx.notifications.onWork.nudge = () => w.nudge();
    app.addHook('onReady', async () => w.start());
  }

  // Metrics (ADR 14): values that live in the database are read when Prometheus scrapes, so every
  // process reports the same truth; the exposition has a listener of its own (loopback by default).
  addDatabaseScrapeSources(ctx);
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer(ctx.metrics, { host: config.metricsHost, port: config.metricsPort });
  if (metricsServer) logger.info({ port: metricsServer.port }, 'metrics listening');

  // Expired OIDC artefacts and login state are swept from every process; deletes are idempotent.
  const sweepOutage = new OutageTracker(logger, 'sweeping expired login state', { baseMs: 60_000 });
  const sweeper = setInterval(() => {
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
  }, 60_000);
  sweeper.unref();

  return {
    app,
    ctx,
    metricsPort: metricsServer?.port,
    async close() {
      clearInterval(sweeper);
      clearInterval(checkpointer);
      clearInterval(witnessTimer);
      await metricsServer?.close();
      await worker?.stop();
      await app.close();
      await ctx.close();
      await tracing.close();
    },
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
