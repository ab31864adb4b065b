import { type Clock, systemClock, uuid } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

/**
 * The citizen's consents: which attributes may go to which relying party, for which stated purpose.
 * A consent covers a release when it is not withdrawn, names the same purpose, and includes every
 * attribute to be released; anything else asks the citizen again. Withdrawal is immediate: the next
 * login to that service asks again.
 */
export interface Consent {
  consentId: string;
  accountId: string;
  clientId: string;
  attributes: string[];
  purpose: string;
  trustFrameworkVersion: string;
  grantedAt: Date;
  withdrawnAt: Date | null;
}

/** What consent decisions report for metrics (filled by the composition root; ids, never people). */
export interface ConsentObserver {
  given(clientId: string): void;
  withdrawn(clientId: string): void;
}

export class ConsentService {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #observer: ConsentObserver | undefined;
  constructor(storage: Storage, clock: Clock = systemClock, observer?: ConsentObserver) {
    this.#storage = storage;
    this.#clock = clock;
    this.#observer = observer;
  }

  /** The active consent that covers releasing `attributes` for `purpose`, if any. */
  async findCovering(
    accountId: string,
    clientId: string,
    attributes: readonly string[],
    purpose: string,
  ): Promise<Consent | undefined> {
    const active = await this.#active(accountId, clientId);
    return active.find((c) => c.purpose === purpose && attributes.every((a) => c.attributes.includes(a)));
  }

  async grant(input: {
    accountId: string;
    clientId: string;
    attributes: readonly string[];
    purpose: string;
    trustFrameworkVersion: string;
  }): Promise<Consent> {
    const now = this.#clock.now().getTime();
    const consent = {
      consent_id: uuid(),
      account_id: input.accountId,
      client_id: input.clientId,
      attributes: JSON.stringify([...new Set(input.attributes)].sort()),
      purpose: input.purpose,
      trust_framework_version: input.trustFrameworkVersion,
      granted_at: now,
      withdrawn_at: null,
    };
    await this.#storage.transaction(async (tx) => {
      // One active consent per service: a new one replaces the old (it covers what the citizen agreed to now).
      await tx
        .updateTable('consents')
        .set({ withdrawn_at: now })
        .where('account_id', '=', input.accountId)
        .where('client_id', '=', input.clientId)
        .where('withdrawn_at', 'is', null)
        .execute();
      await tx.insertInto('consents').values(consent).execute();
    });
    this.#observer?.given(input.clientId);
    return toConsent(consent);
  }

  /** Withdraw one of the citizen's own consents. Returns false when it is not theirs or already withdrawn. */
  async withdraw(accountId: string, consentId: string): Promise<boolean> {
    const r = await this.#storage.db
      .updateTable('consents')
      .set({ withdrawn_at: this.#clock.now().getTime() })
      .where('consent_id', '=', consentId)
      .where('account_id', '=', accountId)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    const withdrawn = Number(r.numUpdatedRows) === 1;
    if (withdrawn && this.#observer) {
      const row = await this.#storage.db
        .selectFrom('consents')
        .select('client_id')
        .where('consent_id', '=', consentId)
        .executeTakeFirst();
      if (row) this.#observer.withdrawn(row.client_id);
    }
    return withdrawn;
  }

  /** Every consent of the citizen, newest first, withdrawn ones included (the citizen's history). */
  async list(accountId: string): Promise<Consent[]> {
    const rows = await this.#storage.db
      .selectFrom('consents')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('granted_at', 'desc')
      .execute();
    return rows.map(toConsent);
  }

  async #active(accountId: string, clientId: string): Promise<Consent[]> {
    const rows = await this.#storage.db
      .selectFrom('consents')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('client_id', '=', clientId)
      .where('withdrawn_at', 'is', null)
      .execute();
    return rows.map(toConsent);
  }
}

function toConsent(r: {
  consent_id: string;
  account_id: string;
  client_id: string;
  attributes: string;
  purpose: string;
  trust_framework_version: string;
  granted_at: number;
  withdrawn_at: number | null;
}): Consent {
  return {
    consentId: r.consent_id,
    accountId: r.account_id,
    clientId: r.client_id,
    attributes: JSON.parse(r.attributes) as string[],
    purpose: r.purpose,
    trustFrameworkVersion: r.trust_framework_version,
    grantedAt: new Date(r.granted_at),
    withdrawnAt: r.withdrawn_at === null ? null : new Date(r.withdrawn_at),
  };
}
