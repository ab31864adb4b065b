import type { AdapterPayload } from 'oidc-provider';
import { z } from 'zod';
import { GovbridgeError, isClientId } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import type { ClientAdapterSource } from './adapter.ts';

/**
 * Relying parties. Each records, beside its OAuth metadata (RFC 7591), what the hub needs to decide
 * and explain a release: the country and agency that run it, the purpose it states to the citizen,
 * the attributes it may ask for, the minimum assurance it accepts, and its hosting environment (an id
 * of trust/environments.yaml: the release policy compares each attribute's classification with what
 * that environment may hold). These travel as `govbridge_*` client metadata, through Dynamic Client
 * Registration or the operator CLI alike, and are validated the same way on both paths.
 */
export const GOVBRIDGE_METADATA = [
  'govbridge_country',
  'govbridge_agency',
  'govbridge_purpose',
  'govbridge_attributes',
  'govbridge_min_acr',
  'govbridge_security_profile',
  'govbridge_environment',
] as const;

export interface ClientInfo {
  clientId: string;
  name: string;
  country: 'GB' | 'SG';
  agency: string;
  purpose: string;
  attributes: string[];
  minAcr: string;
  securityProfile: 'fapi2' | 'oidc';
  environment: string | null;
  redirectUris: string[];
  /**
   * `approved` (operator-registered or approved), `pending` (self-registered, awaiting an operator)
   * or `suspended` (an operator stopped it; approved again by resuming).
   */
  status: 'approved' | 'pending' | 'suspended';
  registeredBy: 'operator' | 'self';
  /** When the stored metadata last changed (ms): an approval names the version it approves. */
  updatedAt: number;
  /** The whole stored registration, as the provider will use it once approved. */
  metadata: Record<string, unknown>;
}

export interface ClientRegistryOptions {
  storage: Storage;
  /** Common claim names a client may ask for (from the trust framework). */
  knownAttributes: readonly string[];
  /** Hub acr values (from the trust framework). */
  hubLevels: readonly string[];
  /** Hosting environment ids a client may name (trust/environments.yaml). */
  environments: readonly string[];
  /**
   * Outside production, FAPI 2.0 clients may use http redirect URIs on loopback (the demo services
   * run on the developer's machine). Production allows https only.
   */
  allowLoopbackHttpRedirects: boolean;
}

export function govbridgeMetadataSchema(
  o: Pick<ClientRegistryOptions, 'knownAttributes' | 'hubLevels' | 'environments'>,
) {
  const environments = `one of ${o.environments.join(', ')} (trust/environments.yaml)`;
  return z.object({
    govbridge_country: z.enum(['GB', 'SG'], { message: 'must be GB or SG' }),
    govbridge_agency: z.string().trim().min(1, 'must name the agency that runs the service').max(200),
    govbridge_purpose: z.string().trim().min(1, 'must state the purpose shown to the citizen').max(500),
    govbridge_attributes: z
      .array(
        z.string().refine((a) => o.knownAttributes.includes(a), {
          message: `must be attributes of the common claim set (${o.knownAttributes.join(', ')})`,
        }),
      )
      .max(50),
    govbridge_min_acr: z.string().refine((a) => o.hubLevels.includes(a), {
      message: `must be one of ${o.hubLevels.join(', ')}`,
    }),
    govbridge_security_profile: z.enum(['fapi2', 'oidc']).default('fapi2'),
    // Required: nothing can be released to a service whose hosting environment the hub does not know.
    govbridge_environment: z
      .string({
        error: (i) =>
          i.input === undefined
            ? `is required: name the hosting environment that keeps what the service receives, ${environments}`
            : `must be a string, ${environments}`,
      })
      .refine((e) => o.environments.includes(e), {
        error: (i) => `names an unknown hosting environment ${JSON.stringify(i.input)}: use ${environments}`,
      }),
  });
}

export class ClientRegistry implements ClientAdapterSource {
  readonly #o: ClientRegistryOptions;
  readonly #schema: ReturnType<typeof govbridgeMetadataSchema>;

  constructor(options: ClientRegistryOptions) {
    this.#o = options;
    this.#schema = govbridgeMetadataSchema(options);
  }

  /** Validate one govbridge_* field (oidc-provider's extraClientMetadata validator calls this). */
  validateField(key: string, value: unknown): string | undefined {
    const shape = this.#schema.shape as Record<string, z.ZodType>;
    const s = shape[key];
    if (!s) return undefined;
    const r = s.safeParse(value);
    return r.success ? undefined : `${key} ${r.error.issues.map((i) => i.message).join('; ')}`;
  }

  /**
   * FAPI 2.0 Security Profile §5.3.2.2: no http redirect URIs, except loopback for native
   * applications (RFC 8252 §7.3) — here loopback is allowed outside production only, for the demos.
   * Returns the problem, or undefined.
   */
  redirectProblem(metadata: Record<string, unknown>): string | undefined {
    if (metadata['govbridge_security_profile'] === 'oidc') return undefined;
    const uris = Array.isArray(metadata['redirect_uris']) ? metadata['redirect_uris'] : [];
    for (const uri of uris) {
      let u: URL;
      try {
        u = new URL(String(uri));
      } catch {
        return `redirect_uris must be absolute URLs (got ${JSON.stringify(uri)})`;
      }
      if (u.protocol === 'https:') continue;
      const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
      if (u.protocol === 'http:' && loopback && this.#o.allowLoopbackHttpRedirects) continue;
      if (u.protocol !== 'http:' && metadata['application_type'] === 'native') continue;
      return `redirect_uris of a FAPI 2.0 client must be https (FAPI 2.0 Security Profile §5.3.2.2); ${u.protocol}//${u.host} is not allowed`;
    }
    return undefined;
  }

  /** Operator path (CLI, composition root): validate and upsert a full client, approved. */
  async register(metadata: Record<string, unknown>): Promise<ClientInfo> {
    const clientId = metadata['client_id'];
    if (!isClientId(clientId)) {
      throw new GovbridgeError(
        'bad_request',
        'client_id must be 3–128 characters of A–Z, a–z, 0–9 and . _ ~ : / - (the hub’s identifier alphabet)',
      );
    }
    const parsed = this.#schema.safeParse(metadata);
    if (!parsed.success) {
      throw new GovbridgeError(
        'bad_request',
        `Invalid client metadata: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    const redirect = this.redirectProblem({ ...metadata, ...parsed.data });
    if (redirect) throw new GovbridgeError('bad_request', `Invalid client metadata: ${redirect}`);
    await this.#upsert(clientId, { ...metadata, ...parsed.data } as AdapterPayload, 'operator');
    const info = await this.get(clientId);
    return info!;
  }

  /**
   * An operator approves a self-registered client; until then no citizen can be sent to it. With
   * `version` (the `updatedAt` the operator was shown), only that registration is approved: if the
   * client re-registered since, nothing changes and the answer is false.
   */
  async approve(clientId: string, version?: number): Promise<boolean> {
    let q = this.#o.storage.db
      .updateTable('clients')
      .set({ approved_at: Date.now() })
      .where('client_id', '=', clientId)
      .where('approved_at', 'is', null);
    if (version !== undefined) q = q.where('updated_at', '=', version);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Stop an approved client: the provider no longer knows it (invalid_client) until it is resumed. */
  async suspend(clientId: string): Promise<boolean> {
    const r = await this.#o.storage.db
      .updateTable('clients')
      .set({ suspended_at: Date.now() })
      .where('client_id', '=', clientId)
      .where('approved_at', 'is not', null)
      .where('suspended_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async resume(clientId: string): Promise<boolean> {
    const r = await this.#o.storage.db
      .updateTable('clients')
      .set({ suspended_at: null })
      .where('client_id', '=', clientId)
      .where('suspended_at', 'is not', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Dynamic Client Registration path. Its metadata is self-asserted (RFC 7591 §5): the name, agency
   * and country the consent page would show as fact. So a self-registered client is stored pending
   * until an operator approves it (`npm run cli -- clients approve <id>`).
   */
  async upsertFromProvider(id: string, payload: AdapterPayload): Promise<void> {
    await this.#upsert(id, payload, 'self');
  }

  async #upsert(id: string, payload: AdapterPayload, by: 'operator' | 'self'): Promise<void> {
    const p = payload as Record<string, unknown>;
    const g = this.#schema.parse(p);
    const now = Date.now();
    const row = {
      client_id: id,
      metadata: JSON.stringify({ ...p, ...g }),
      country: g.govbridge_country,
      agency: g.govbridge_agency,
      purpose: g.govbridge_purpose,
      allowed_attributes: JSON.stringify(g.govbridge_attributes),
      min_assurance: g.govbridge_min_acr,
      environment: g.govbridge_environment,
      created_at: now,
      updated_at: now,
      approved_at: by === 'operator' ? now : null,
      registered_by: by,
    };
    await this.#o.storage.db
      .insertInto('clients')
      .values(row)
      .onConflict((oc) =>
        oc.column('client_id').doUpdateSet({
          metadata: row.metadata,
          country: row.country,
          agency: row.agency,
          purpose: row.purpose,
          allowed_attributes: row.allowed_attributes,
          min_assurance: row.min_assurance,
          environment: row.environment,
          updated_at: now,
          // A self-registered update of an approved client goes back to pending: what the operator
          // approved is no longer what is stored.
          approved_at: row.approved_at,
          registered_by: by,
        }),
      )
      .execute();
  }

  async findForProvider(id: string): Promise<AdapterPayload | undefined> {
    const row = await this.#o.storage.db
      .selectFrom('clients')
      .select(['metadata', 'approved_at', 'suspended_at'])
      .where('client_id', '=', id)
      .executeTakeFirst();
    // A pending or suspended client does not exist for the provider: invalid_client everywhere.
    if (!row || row.approved_at === null || row.suspended_at !== null) return undefined;
    const metadata = JSON.parse(row.metadata) as AdapterPayload;
    // FAPI 2.0 clients get PAR and DPoP-bound tokens whatever flags they registered with (the hub
    // offers no mTLS, so DPoP is the only sender constraint).
    return metadata['govbridge_security_profile'] === 'oidc'
      ? metadata
      : { ...metadata, require_pushed_authorization_requests: true, dpop_bound_access_tokens: true };
  }

  async destroyFromProvider(id: string): Promise<void> {
    await this.#o.storage.db.deleteFrom('clients').where('client_id', '=', id).execute();
  }

  async get(clientId: string): Promise<ClientInfo | undefined> {
    const row = await this.#o.storage.db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!row) return undefined;
    const m = JSON.parse(row.metadata) as Record<string, unknown>;
    return {
      clientId: row.client_id,
      name: typeof m['client_name'] === 'string' ? m['client_name'] : row.client_id,
      country: row.country as 'GB' | 'SG',
      agency: row.agency,
      purpose: row.purpose,
      attributes: JSON.parse(row.allowed_attributes) as string[],
      minAcr: row.min_assurance,
      securityProfile: m['govbridge_security_profile'] === 'oidc' ? 'oidc' : 'fapi2',
      environment: row.environment,
      redirectUris: Array.isArray(m['redirect_uris']) ? (m['redirect_uris'] as string[]) : [],
      status: row.approved_at === null ? 'pending' : row.suspended_at !== null ? 'suspended' : 'approved',
      registeredBy: row.registered_by === 'self' ? 'self' : 'operator',
      updatedAt: Number(row.updated_at),
      metadata: m,
    };
  }

  async list(): Promise<ClientInfo[]> {
    const ids = await this.#o.storage.db
      .selectFrom('clients')
      .select('client_id')
      .orderBy('client_id')
      .execute();
    const out: ClientInfo[] = [];
    for (const { client_id } of ids) {
      const c = await this.get(client_id);
      if (c) out.push(c);
    }
    return out;
  }
}
