import { calculateJwkThumbprint } from 'jose';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { type Clock, GovbridgeError, systemClock } from '../kernel/index.ts';
import type { AgencyTable, Storage } from '../storage/index.ts';
import type { Agency, EventTypes, Subscription } from './types.ts';

export interface AgencyRegistryOptions {
  storage: Storage;
  eventTypes: EventTypes;
  /** Ids of the hosting environments an agency may name (the trust framework's registry). */
  environments: ReadonlySet<string>;
  /** Development only: allow `http://` endpoints on loopback hosts. Production refuses any `http://`. */
  allowLoopbackHttp: boolean;
  /** Attempts before a notification is dead-lettered, when an agency does not set its own. */
  defaultMaxAttempts: number;
  clock?: Clock;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const publicP256Jwk = z
  .looseObject({
    kty: z.literal('EC', { error: 'encryption key must be an EC key (kty "EC")' }),
    crv: z.literal('P-256', { error: 'encryption key must be on P-256 (crv "P-256")' }),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'x must be a base64url P-256 coordinate'),
    y: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'y must be a base64url P-256 coordinate'),
    kid: z.string().min(1).max(128).optional(),
    use: z.literal('enc', { error: 'use must be "enc"' }).optional(),
    alg: z.literal('ECDH-ES+A256KW', { error: 'alg must be "ECDH-ES+A256KW"' }).optional(),
  })
  .refine((k) => !('d' in k), { message: 'send the public key only: this JWK holds a private key (d)' });

const registrationSchema = z.strictObject({
  agencyId: z.string().regex(/^[a-z0-9_]{2,32}$/, 'must be 2–32 lower-case letters, digits or _'),
  name: z.string().trim().min(1).max(200),
  country: z.enum(['GB', 'SG']),
  website: z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048),
  environment: z.string().min(1).max(64),
  endpoint: z.string().max(2048),
  encryptionJwk: publicP256Jwk,
  subscriptions: z
    .array(
      z.strictObject({
        eventType: z.string().min(1).max(64),
        attributes: z.array(z.string().min(1).max(64)).min(1, 'list at least one attribute').max(64),
      }),
    )
    .min(1, 'subscribe to at least one event type')
    .max(32),
  maxAttempts: z.number().int().min(1).max(50).optional(),
});

export type AgencyRegistration = z.input<typeof registrationSchema>;

/**
 * The agencies Tell Us Once can notify: which event types each receives, the fields it is entitled
 * to for each (data minimisation), its endpoint, hosting environment and encryption key. Kept in the
 * database so every hub process sees the same registry.
 */
export class AgencyRegistry {
  readonly #o: AgencyRegistryOptions;
  readonly #clock: Clock;

  constructor(options: AgencyRegistryOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Validate a registration and create or replace the agency. Errors name every problem. */
  async register(input: unknown): Promise<Agency> {
    const agency = await this.validate(input);
    const now = this.#clock.now().getTime();
    await this.#o.storage.transaction(async (tx) => {
      const row = {
        name: agency.name,
        country: agency.country,
        website: agency.website,
        environment: agency.environment,
        endpoint: agency.endpoint,
        encryption_jwk: JSON.stringify(agency.encryptionJwk),
        max_attempts: agency.maxAttempts,
        updated_at: now,
      };
      await tx
        .insertInto('agencies')
        .values({ agency_id: agency.agencyId, ...row, status: 'active', created_at: now })
        .onConflict((oc) => oc.column('agency_id').doUpdateSet(row))
        .execute();
      await tx.deleteFrom('agency_subscriptions').where('agency_id', '=', agency.agencyId).execute();
      await tx
        .insertInto('agency_subscriptions')
        .values(
          agency.subscriptions.map((s) => ({
            agency_id: agency.agencyId,
            event_type: s.eventType,
            attributes: JSON.stringify(s.attributes),
          })),
        )
        .execute();
    });
    return (await this.get(agency.agencyId))!;
  }

  /** Check a registration without storing it. */
  async validate(input: unknown): Promise<Agency> {
    const parsed = registrationSchema.safeParse(input);
    const problems: string[] = [];
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
      }
      throw invalid(problems);
    }
    const r = parsed.data;
    if (!this.#o.environments.has(r.environment)) {
      problems.push(
        `environment: unknown hosting environment "${r.environment}" (known: ${[...this.#o.environments].join(', ')})`,
      );
    }
    const endpointProblem = this.#checkEndpoint(r.endpoint);
    if (endpointProblem) problems.push(`endpoint: ${endpointProblem}`);
    const seen = new Set<string>();
    r.subscriptions.forEach((s, i) => {
      const type = this.#o.eventTypes[s.eventType];
      if (!type) {
        problems.push(
          `subscriptions.${i}.eventType: unknown event type "${s.eventType}" (known: ${Object.keys(this.#o.eventTypes).join(', ')})`,
        );
        return;
      }
      if (seen.has(s.eventType)) problems.push(`subscriptions.${i}.eventType: "${s.eventType}" listed twice`);
      seen.add(s.eventType);
      for (const a of s.attributes) {
        if (!(a in type.fields)) {
          problems.push(`subscriptions.${i}.attributes: "${a}" is not a field of ${s.eventType}`);
        }
      }
      if (new Set(s.attributes).size !== s.attributes.length) {
        problems.push(`subscriptions.${i}.attributes: an attribute is listed twice`);
      }
    });
    if (problems.length > 0) throw invalid(problems);
    const { d: _never, ...jwk } = r.encryptionJwk as Record<string, unknown>;
    const kid = r.encryptionJwk.kid ?? (await calculateJwkThumbprint(r.encryptionJwk as never, 'sha256'));
    return {
      agencyId: r.agencyId,
      name: r.name,
      country: r.country,
      website: r.website,
      environment: r.environment,
      endpoint: r.endpoint,
      encryptionJwk: { ...jwk, kid, use: 'enc', alg: 'ECDH-ES+A256KW' },
      maxAttempts: r.maxAttempts ?? this.#o.defaultMaxAttempts,
      status: 'active',
      subscriptions: r.subscriptions.map((s) => ({ eventType: s.eventType, attributes: [...s.attributes] })),
    };
  }

  #checkEndpoint(endpoint: string): string | undefined {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return 'must be an absolute URL';
    }
    if (url.username || url.password) return 'must not carry credentials';
    if (url.hash) return 'must not have a fragment';
    if (url.protocol === 'https:') return undefined;
    if (url.protocol === 'http:') {
      if (this.#o.allowLoopbackHttp && LOOPBACK.has(url.hostname)) return undefined;
      return this.#o.allowLoopbackHttp
        ? 'must be https (plain http only to a loopback address in development)'
        : 'must be https: notifications carry personal data and production refuses plain http';
    }
    return 'must be an https URL';
  }

  async get(agencyId: string): Promise<Agency | undefined> {
    return (await this.#load([agencyId]))[0];
  }

  async list(): Promise<Agency[]> {
    return this.#load(undefined);
  }

  /**
   * Agencies subscribed to an event type, active ones only, with what each is entitled to; each
   * agency's `subscriptions` holds that event type's only. One query (it runs for every report and
   * every "Check before you send" page), read fresh each time: a suspension or a narrowed
   * entitlement applies to the next report, in every process.
   */
  async subscribersOf(eventType: string): Promise<Array<{ agency: Agency; attributes: readonly string[] }>> {
    const rows = await this.#o.storage.db
      .selectFrom('agencies')
      .innerJoin('agency_subscriptions', 'agency_subscriptions.agency_id', 'agencies.agency_id')
      .selectAll('agencies')
      .select('agency_subscriptions.attributes')
      .where('agency_subscriptions.event_type', '=', eventType)
      .where('agencies.status', '=', 'active')
      .orderBy('agencies.country')
      .orderBy('agencies.agency_id')
      .execute();
    return rows.map((r) => {
      const attributes = JSON.parse(r.attributes) as string[];
      return {
        agency: { ...agencyFromRow(r), subscriptions: [{ eventType, attributes }] },
        attributes,
      };
    });
  }

  /** Suspend (offer nothing new) or resume an agency. */
  async setStatus(agencyId: string, status: 'active' | 'suspended'): Promise<void> {
    const r = await this.#o.storage.db
      .updateTable('agencies')
      .set({ status, updated_at: this.#clock.now().getTime() })
      .where('agency_id', '=', agencyId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      throw new GovbridgeError('not_found', `No agency "${agencyId}"`);
    }
  }

  async #load(ids: string[] | undefined): Promise<Agency[]> {
    let q = this.#o.storage.db.selectFrom('agencies').selectAll().orderBy('country').orderBy('agency_id');
    if (ids) q = q.where('agency_id', 'in', ids);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const subs = await this.#o.storage.db
      .selectFrom('agency_subscriptions')
      .selectAll()
      .where(
        'agency_id',
        'in',
        rows.map((r) => r.agency_id),
      )
      .orderBy('event_type')
      .execute();
    return rows.map((r) => ({
      ...agencyFromRow(r),
      subscriptions: subs
        .filter((s) => s.agency_id === r.agency_id)
        .map(
          (s): Subscription => ({
            eventType: s.event_type,
            attributes: JSON.parse(s.attributes) as string[],
          }),
        ),
    }));
  }
}

function agencyFromRow(r: Selectable<AgencyTable>): Omit<Agency, 'subscriptions'> {
  return {
    agencyId: r.agency_id,
    name: r.name,
    country: r.country as 'GB' | 'SG',
    website: r.website,
    environment: r.environment,
    endpoint: r.endpoint,
    encryptionJwk: JSON.parse(r.encryption_jwk) as Agency['encryptionJwk'],
    maxAttempts: r.max_attempts,
    status: r.status as Agency['status'],
  };
}

function invalid(problems: string[]): GovbridgeError {
  return new GovbridgeError(
    'invalid_request',
    `Invalid agency registration:\n  - ${problems.join('\n  - ')}`,
    {
      status: 400,
      detail: { problems },
    },
  );
}
