import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  ClientRegistry,
  createProvider,
  GrantClaimsStore,
  KEY_PURPOSES,
  KeyStore,
  LoginService,
  providerRoutes,
  revokeGrantsOfConsent,
  sweepExpired,
} from './broker/index.ts';
import type { Config } from './config/index.ts';
import {
  createOneLoginConnector,
  createSingpassConnector,
  type SchemeConnector,
} from './connectors/index.ts';
import { ConsentService } from './consent/index.ts';
import { createDemoServices } from './demo/index.ts';
import { GovbridgeError, keyFromBase64url, randomId, systemClock } from './kernel/index.ts';
import {
  type Catalogue,
  JourneyStore,
  LIFE_EVENTS_CLIENT_ID,
  loadCatalogue,
  recordVerifiedDetails,
} from './life-events/index.ts';
import {
  ONELOGIN_SCENARIOS,
  oneLoginSimulator,
  singpassScenarios,
  singpassSimulator,
} from './simulators/index.ts';
import { openStorage, type Storage } from './storage/index.ts';
import {
  attributeCatalogue,
  hubLevels,
  loadTrustFramework,
  type SchemeId,
  type TrustFramework,
} from './trust/index.ts';
import {
  contentSecurityPolicyHeader,
  createLogger,
  hubPages,
  lifeEventPages,
  lifeEventsApi,
  providerPageRenderers,
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
  keys: KeyStore;
  keyPurposes: string[];
  clients: ClientRegistry;
  consents: ConsentService;
  grantClaims: GrantClaimsStore;
  kek: Uint8Array;
  secrets: { cookieSecret: string; pairwiseSalt: string };
  close(): Promise<void>;
}

export async function openContext(config: Config): Promise<AppContext> {
  const trust = loadTrustFramework(config.trustFrameworkPath);
  // The catalogue is data validated at start: a broken file stops start-up naming file, path and reason.
  const catalogue = loadCatalogue(config.catalogueDir, {
    claims: new Set(Object.keys(attributeCatalogue(trust))),
  });
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
      },
    });
    await keys.load();
    const cookieSecret = config.cookieSecret ?? (await persistentSecret(storage, 'cookie-secret'));
    const pairwiseSalt = await persistentSecret(storage, 'pairwise-salt');
    const clients = new ClientRegistry({
      storage,
      knownAttributes: Object.keys(attributeCatalogue(trust)),
      hubLevels: hubLevels(trust).map((l) => l.acr),
      allowLoopbackHttpRedirects: config.nodeEnv !== 'production',
    });
    return {
      config,
      storage,
      trust,
      catalogue,
      keys,
      keyPurposes: Object.keys(KEY_PURPOSES),
      clients,
      consents: new ConsentService(storage),
      grantClaims: new GrantClaimsStore(storage, kek),
      kek,
      secrets: { cookieSecret, pairwiseSalt },
      close: () => storage.close(),
    };
  } catch (err) {
    await storage.close();
    throw err;
  }
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
  const logger = options.logger ?? createLogger(config);
  // Typed as the plain FastifyInstance: plugins are written against it, and pino's Logger is a
  // FastifyBaseLogger at run time.
  const app = Fastify({
    loggerInstance: logger,
    frameworkErrors: webFrameworkErrors,
    bodyLimit: 64 * 1024,
    trustProxy: false,
  }) as unknown as FastifyInstance;
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
        timeoutMs: config.upstreamTimeoutMs,
      }),
    );
  }

  let views: Views | undefined;
  const provider = createProvider({
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
    publicUrl,
  });

  const journeys = new JourneyStore(ctx.storage, systemClock, ctx.kek);

  await app.register(webFoundation, {
    config,
    cookieSecret: ctx.secrets.cookieSecret,
    checkReady: () => ctx.storage.ping(),
  });
  views = app.views;
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
  });

  await app.register(lifeEventPages, {
    config,
    catalogue: ctx.catalogue,
    journeys,
    login,
    schemes: [...connectors.keys()],
  });

  // Life events as a JSON API (OpenAPI at /api/openapi.json), for agency services to embed journeys.
  await app.register(lifeEventsApi, { prefix: '/api', catalogue: ctx.catalogue });

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
  }

  // Expired OIDC artefacts and login state are swept from every process; deletes are idempotent.
  const sweeper = setInterval(() => {
    sweepExpired(ctx.storage).catch((err: unknown) => logger.warn({ err }, 'sweep failed'));
  }, 60_000);
  sweeper.unref();

  return {
    app,
    ctx,
    async close() {
      clearInterval(sweeper);
      await app.close();
      await ctx.close();
    },
  };
}
