import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { dirname, join } from 'node:path';
import {
  ClientRegistry,
  GrantClaimsStore,
  KEY_PURPOSES,
  KeyStore,
  revokeGrantsOfConsentIn,
} from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import { ConsentService } from '../consent/index.ts';
import { keyFromBase64url, systemClock } from '../kernel/index.ts';
import { createLedger, createWitness, type Ledger, type Witness } from '../ledger/index.ts';
import {
  type Catalogue,
  LIFE_EVENTS_CLIENT_ID,
  loadCatalogue,
  removeVerifiedDetails,
} from '../life-events/index.ts';
import {
  AgencyRegistry,
  type EventTypes,
  NotificationOperator,
  policyReleaseDecider,
  ReportService,
} from '../notifications/index.ts';
import { createHubMetrics, type HubMetrics } from '../observability/index.ts';
import { AuditTrail, OperatorActions, OperatorSessions, RefusalLog } from '../operator/index.ts';
import { loadPolicyEngine, type PolicyEngine } from '../policy/index.ts';
import { openStorage, persistentSecret, type Storage } from '../storage/index.ts';
import {
  attributeCatalogue,
  type EnvironmentRegistry,
  hubLevels,
  loadEnvironments,
  loadTrustFramework,
  type TrustFramework,
} from '../trust/index.ts';

/**
 * The services of the hub, built from the configuration (used by the server and the CLI; `buildApp` in
 * `http.ts` adds HTTP and `background.ts` the jobs). Nothing here holds request state: every process
 * built from the same configuration and database is interchangeable.
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
        // Every notification payload is decided by the release policy before it is written.
        decide: policyReleaseDecider(policy),
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
      consents: consentService(storage, metrics),
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

/**
 * Consents (src/consent, ADR 20). Withdrawing one is ONE transaction: the consent marked withdrawn,
 * the grants and tokens given under it revoked (broker), and — for the life-events consent — the
 * verified details kept on journeys removed. Then `consent.withdrawn` carries what need not be
 * durable: the metric here, the log line in http.ts.
 */
function consentService(storage: Storage, metrics: HubMetrics): ConsentService {
  const consents = new ConsentService(storage, {
    clock: systemClock,
    observer: metrics.consent,
    withdrawalSteps: [
      { name: 'revoke grants and tokens', run: (tx, w) => revokeGrantsOfConsentIn(tx, w.consentId) },
      {
        name: 'remove verified details from journeys',
        run: async (tx, w) =>
          w.clientId === LIFE_EVENTS_CLIENT_ID ? removeVerifiedDetails(tx, w.accountId) : 0,
      },
    ],
  });
  consents.events.on('consent.withdrawn', 'metrics', (e) => metrics.consent.withdrawn(e.clientId));
  return consents;
}

/** The release policy: the Cedar schema and policies, relative to the working directory like `catalogue/`. */
const POLICIES_DIR = 'policies';

/** The hosting environments registry, beside the trust framework (trust/environments.yaml). */
function environmentRegistry(config: Config): EnvironmentRegistry {
  return loadEnvironments(join(dirname(config.trustFrameworkPath), 'environments.yaml'));
}
