import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  AccountSessionStore,
  createProvider,
  endProviderSession,
  LoginService,
  providerRoutes,
  SCOPE_CLAIMS,
} from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import {
  createOneLoginConnector,
  createSingpassConnector,
  type SchemeConnector,
} from '../connectors/index.ts';
import { createDemoAgencies, createDemoServices } from '../demo/index.ts';
import { GovbridgeError, systemClock } from '../kernel/index.ts';
import { listProblems } from '../ledger/index.ts';
import { JourneyStore, recordVerifiedDetails } from '../life-events/index.ts';
import { startTracing } from '../observability/index.ts';
import { OperatorOidc } from '../operator/index.ts';
import {
  ONELOGIN_SCENARIOS,
  oneLoginSimulator,
  singpassScenarios,
  singpassSimulator,
} from '../simulators/index.ts';
import { attributeCatalogue, classifiedFieldNames, hubLevels, type SchemeId } from '../trust/index.ts';
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
  webFoundation,
  webFrameworkErrors,
} from '../web/index.ts';
import { type BackgroundJobs, backgroundJobs, checkLedgerAtStart } from './background.ts';
import { type AppContext, openContext } from './context.ts';

export interface BuiltApp {
  app: FastifyInstance;
  ctx: AppContext;
  /** The metrics listener's port, when GOVBRIDGE_METRICS_PORT is set. */
  metricsPort: number | undefined;
  close(): Promise<void>;
}

/** The hub: its services (`openContext`), every HTTP feature, and its background jobs. */
export async function buildApp(config: Config, options: { logger?: Logger } = {}): Promise<BuiltApp> {
  const ctx = await openContext(config);
  try {
    return await assemble(ctx, config, options);
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

/** The options a Fastify plugin takes. */
type OptionsOf<P> = P extends (app: FastifyInstance, options: infer O) => unknown ? O : never;

/** What the HTTP features are built from: the services, and the parts only a serving process has. */
interface Wiring {
  ctx: AppContext;
  config: Config;
  app: FastifyInstance;
  logger: Logger;
  connectors: Map<SchemeId, SchemeConnector>;
  provider: ReturnType<typeof createProvider>;
  login: LoginService;
  journeys: JourneyStore;
  accountSessions: AccountSessionStore;
  jobs: BackgroundJobs;
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

  const connectors = schemeConnectors(ctx, config);
  const provider = oidcProvider(ctx, config, app, logger);
  const w: Wiring = {
    ctx,
    config,
    app,
    logger,
    connectors,
    provider,
    login: loginService(ctx, config, logger, connectors, provider),
    journeys: new JourneyStore(ctx.storage, systemClock, ctx.kek, {
      catalogueVersion: ctx.catalogue.version,
    }),
    // Citizens' sign-ins to the hub's own pages, in the database (src/web/account/account-cookie.ts).
    accountSessions: new AccountSessionStore(ctx.storage, systemClock, {
      refused: (check) => ctx.metrics.refusal.refused('account_session_refused', check),
    }),
    jobs: backgroundJobs(ctx, logger),
  };
  recordOperatorActionsInLogs(w);
  logConsentEvents(w);

  await app.register(webFoundation, foundationOptions(w));
  app.decorate('accountSessions', w.accountSessions);
  await app.register(providerRoutes, { provider, issuer: config.publicUrl });
  await app.register(hubPages, hubPageOptions(w));
  await app.register(lifeEventPages, lifeEventPageOptions(w));
  // Tell Us Once, the citizen's side: tell → check before you send → status (src/web/reports/README.md).
  await app.register(reportPages, reportPageOptions(w));
  // The transparency ledger, the citizen's side: every release of their data, each with a receipt
  // to verify offline (src/web/releases/README.md).
  await app.register(releasePages, releasePageOptions(w));
  // Life events as a JSON API (OpenAPI at /api/openapi.json), for agency services to embed journeys.
  await app.register(lifeEventsApi, { prefix: '/api', catalogue: ctx.catalogue });
  // Both APIs' OpenAPI documents rendered for people, at /api/docs (src/web/api-docs/README.md).
  await app.register(apiDocs, { adminApi: Boolean(config.adminToken) });
  schemeKeySetRoutes(w);
  if (config.simulators) await registerSimulators(w);
  if (config.demoServices) await registerDemos(w);
  // The transparency ledger: checked end to end before serving, then its public proofs.
  await checkLedgerAtStart(ctx, logger);
  await app.register(ledgerRoutes, { prefix: '/ledger', ledger: ctx.ledger, witness: ctx.witness });
  // Tell Us Once: the notification signing keys agencies verify with.
  app.get('/notifications/jwks.json', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(ctx.keys.publicJwks('notify-sig')),
  );
  if (config.adminToken) {
    await app.register(adminApi, { prefix: '/admin/api', ...adminApiOptions(w, config.adminToken) });
  }
  // The operator console (ADR 18): always on; operators sign in through GOVBRIDGE_ADMIN_ISSUER or
  // with a one-time link from `npm run cli -- admin sign-in-link`.
  await app.register(adminConsole, adminConsoleOptions(w));

  try {
    await w.jobs.start(app, { accountSessions: w.accountSessions });
  } catch (err) {
    await w.jobs.stop();
    throw err;
  }

  return {
    app,
    ctx,
    metricsPort: w.jobs.metricsPort(),
    async close() {
      await w.jobs.stop();
      await app.close();
      await ctx.close();
      await tracing.close();
    },
  };
}

/** The national schemes this hub is configured for (a scheme without its settings is not offered). */
function schemeConnectors(ctx: AppContext, config: Config): Map<SchemeId, SchemeConnector> {
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
  return connectors;
}

/** The hub as an OpenID Provider (oidc-provider), its pages rendered by the web foundation's views. */
function oidcProvider(ctx: AppContext, config: Config, app: FastifyInstance, logger: Logger) {
  const publicUrl = config.publicUrl;
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
    // The views exist once the web foundation is registered, before any page is rendered.
    ...providerPageRenderers(() => app.views),
    // Signing out at the OP (a service's logout) also ends the hub sign-in of this browser.
    onLogout: (req, res) => endAccountSessionOfRaw(app, config, req, res),
  });
  // oidc-provider reports errors as events; log the code only (never the request or tokens).
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'oidc-provider server error'));
  return provider;
}

/** The login pipeline (src/broker/login), reporting to the hub's metrics and the console's refusals. */
function loginService(
  ctx: AppContext,
  config: Config,
  logger: Logger,
  connectors: Map<SchemeId, SchemeConnector>,
  provider: ReturnType<typeof createProvider>,
): LoginService {
  return new LoginService({
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
    publicUrl: config.publicUrl,
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
}

/**
 * A committed withdrawal is one log line (ids and the service, never the person); a consent event's
 * subscriber that fails is one warning. Unsubscribed when the app closes.
 */
function logConsentEvents({ ctx, app, logger }: Wiring): void {
  ctx.consents.events.onError = (err, event, subscriber) =>
    logger.warn(
      { event: 'consent_event_subscriber_failed', code: 'consent_event_subscriber_failed', subscriber, err },
      `a subscriber of ${event.type} failed (the withdrawal stands)`,
    );
  const off = ctx.consents.events.on('consent.withdrawn', 'log', (e) =>
    logger.info(
      { event: 'consent_withdrawn', consentId: e.consentId, clientId: e.clientId },
      'consent withdrawn: grants revoked, kept details removed',
    ),
  );
  app.addHook('onClose', async () => off());
}

/**
 * Every operator action is logged too, with its place in the audit trail: shipped logs keep the
 * trail's heads where the database cannot recall them (ADR 18).
 */
function recordOperatorActionsInLogs({ ctx, logger }: Wiring): void {
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
}

function foundationOptions({ ctx, config }: Wiring): OptionsOf<typeof webFoundation> {
  return {
    config,
    cookieSecret: ctx.secrets.cookieSecret,
    checkReady: () => ctx.storage.ready(),
    errorObserver: ctx.metrics.errors,
  };
}

function hubPageOptions({
  ctx,
  config,
  login,
  connectors,
  journeys,
  provider,
}: Wiring): OptionsOf<typeof hubPages> {
  return {
    config,
    login,
    consents: ctx.consents,
    clients: ctx.clients,
    trust: ctx.trust,
    schemes: [...connectors.keys()],
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
    endProviderSession: (req, res) => endProviderSession(provider, req, res),
  };
}

function lifeEventPageOptions({
  ctx,
  config,
  journeys,
  login,
  connectors,
}: Wiring): OptionsOf<typeof lifeEventPages> {
  return {
    config,
    catalogue: ctx.catalogue,
    journeys,
    login,
    schemes: [...connectors.keys()],
    reports: ctx.notifications.reports,
  };
}

function reportPageOptions({ ctx, config, journeys }: Wiring): OptionsOf<typeof reportPages> {
  return {
    config,
    catalogue: ctx.catalogue,
    journeys,
    reports: ctx.notifications.reports,
    agencies: ctx.notifications.agencies,
    eventTypes: ctx.notifications.eventTypes,
    kek: ctx.kek,
  };
}

function releasePageOptions({ ctx, config, connectors }: Wiring): OptionsOf<typeof releasePages> {
  return {
    config,
    ledger: ctx.ledger,
    clients: ctx.clients,
    agencies: ctx.notifications.agencies,
    trust: ctx.trust,
    schemes: [...connectors.keys()],
  };
}

/** The public keys each national scheme fetches from us (Singpass reads the RP's JWKS URL). */
function schemeKeySetRoutes({ app, ctx }: Wiring): void {
  app.get('/connectors/singpass/jwks', async (_req, reply) =>
    reply
      .header('cache-control', 'public, max-age=300')
      .send(ctx.keys.publicJwks('singpass-sig', 'singpass-enc')),
  );
  app.get('/connectors/onelogin/jwks', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(ctx.keys.publicJwks('onelogin-sig')),
  );
}

/** The built-in Singpass and One Login simulators (development and tests), the hub their client. */
async function registerSimulators({ app, config, login }: Wiring): Promise<void> {
  const publicUrl = config.publicUrl;
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

/**
 * The demo relying parties (registered as clients) and the demo agencies (Tell Us Once receivers:
 * verify, decrypt, de-duplicate and show what they got).
 */
async function registerDemos({ app, ctx, config }: Wiring): Promise<void> {
  const publicUrl = config.publicUrl;
  const demos = await createDemoServices({
    hubIssuer: publicUrl,
    publicUrl,
    cookieKey: `${ctx.secrets.cookieSecret}:demo`,
  });
  for (const registration of demos.registrations) {
    await ctx.clients.register(registration as unknown as Record<string, unknown>);
  }
  await app.register(demos.plugin, { prefix: '/demo' });
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

function adminApiOptions({ ctx, jobs }: Wiring, token: string): OptionsOf<typeof adminApi> {
  return {
    token,
    agencies: ctx.notifications.agencies,
    operator: ctx.notifications.operator,
    actions: ctx.operator.actions,
    ledger: { problems: () => listProblems(ctx.storage), witnesses: () => jobs.witnessStatus() },
    metrics: ctx.metrics,
  };
}

function adminConsoleOptions({ ctx, config, jobs, logger }: Wiring): OptionsOf<typeof adminConsole> {
  return {
    config,
    sessions: ctx.operator.sessions,
    actions: ctx.operator.actions,
    oidc:
      config.adminIssuer && config.adminClientId && config.adminClientSecret
        ? new OperatorOidc({
            issuer: config.adminIssuer,
            clientId: config.adminClientId,
            clientSecret: config.adminClientSecret,
            redirectUri: `${config.publicUrl}/admin/sign-in/callback`,
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
    ledgerStatus: { problems: () => listProblems(ctx.storage), witnesses: () => jobs.witnessStatus() },
    keys: ctx.keys,
    refusals: ctx.operator.refusals,
    onRefused: (code, check) => {
      logger.warn({ event: code, code, check }, 'operator console refused a request');
      ctx.metrics.refusal.refused(code, check);
    },
  };
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
