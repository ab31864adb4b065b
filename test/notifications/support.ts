import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import {
  AgencyRegistry,
  DeliveryWorker,
  type DeliveryWorkerOptions,
  NotificationOperator,
  ReportService,
} from '../../src/notifications/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { loadTrustFramework } from '../../src/trust/index.ts';
import { openTestStorage } from '../support/storage.ts';

export const trust = loadTrustFramework('trust/trust-framework.yaml');
export const eventTypes = trust.events!;
export const ENVIRONMENTS = new Set(['uk-public-cloud', 'uk-accredited', 'sg-gcc']);

export interface NotifyFixture {
  storage: Storage;
  kek: Uint8Array;
  agencies: AgencyRegistry;
  reports: ReportService;
  operator: NotificationOperator;
  signingJwk: JWK & { kid: string };
  hubPublicJwk: JWK & { kid: string };
  worker(options?: Partial<DeliveryWorkerOptions>): DeliveryWorker;
  close(): Promise<void>;
}

export async function notifyFixture(
  options: { storage?: Storage; kek?: Uint8Array; signingJwk?: JWK & { kid: string } } = {},
): Promise<NotifyFixture> {
  const storage = options.storage ?? (await openTestStorage());
  const kek = options.kek ?? new Uint8Array(randomBytes(32));
  let signingJwk = options.signingJwk;
  let hubPublicJwk: JWK & { kid: string };
  if (!signingJwk) {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    signingJwk = { ...(await exportJWK(privateKey)), kid: 'notify-test-1', alg: 'ES256' };
    hubPublicJwk = { ...(await exportJWK(publicKey)), kid: 'notify-test-1' };
  } else {
    const { d: _d, ...pub } = signingJwk;
    hubPublicJwk = pub as JWK & { kid: string };
  }
  const agencies = new AgencyRegistry({
    storage,
    eventTypes,
    environments: ENVIRONMENTS,
    allowLoopbackHttp: true,
    defaultMaxAttempts: 4,
  });
  const reports = new ReportService({ storage, kek, agencies, eventTypes });
  const jwk = signingJwk;
  return {
    storage,
    kek,
    agencies,
    reports,
    operator: new NotificationOperator(storage),
    signingJwk: jwk,
    hubPublicJwk,
    worker: (o = {}) =>
      new DeliveryWorker({
        storage,
        kek,
        source: 'http://hub.test/notifications',
        signingKey: () => jwk,
        backoff: { baseMs: 20, maxMs: 200 },
        timeoutMs: 2_000,
        pollMs: 20,
        ...o,
      }),
    close: () => storage.close(),
  };
}

export const MOVE_FIELDS = {
  name: 'TAN AH KOW',
  birthdate: '1985-04-12',
  nationalities: ['SG'],
  date_of_move: '2026-12-01',
  from_country: 'SG',
  to_country: 'GB',
  previous_address: '10 Anson Road, #20-01, Singapore 079903',
  new_address: '1 Horse Guards Road, London SW1A 2HQ',
  email: 'tan@example.sg',
};

export function agencyRegistration(
  agencyId: string,
  endpoint: string,
  encryptionJwk: JWK,
  subscriptions: Array<{ eventType: string; attributes: string[] }>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    agencyId,
    name: `Agency ${agencyId}`,
    country: agencyId.startsWith('sg') ? 'SG' : 'GB',
    website: 'https://www.gov.uk',
    environment: agencyId.startsWith('sg') ? 'sg-gcc' : 'uk-public-cloud',
    endpoint,
    encryptionJwk,
    subscriptions,
    ...extra,
  };
}

/** Run the worker's batches until nothing is due (or the deadline passes). */
export async function drainQueue(
  worker: DeliveryWorker,
  until: () => Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await worker.runOnce();
    if (await until()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('queue did not drain in time');
}
