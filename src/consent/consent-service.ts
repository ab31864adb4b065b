import { type Clock, systemClock, uuid } from '../kernel/index.ts';
import type { Storage, Tx } from '../storage/index.ts';
import { ConsentEvents, type ConsentWithdrawn } from './events.ts';

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
}

/**
 * Durable work another module does when a consent is withdrawn, in the withdrawal's OWN transaction
 * (`tx`): revoking the grants and tokens given under it (broker), removing details kept under it
 * (life events). Registered by the composition root. A step that throws rolls the whole withdrawal
 * back: the consent stays active and nothing any step wrote is kept.
 */
export interface WithdrawalStep {
  readonly name: string;
  run(tx: Tx, withdrawn: ConsentWithdrawn): Promise<unknown>;
}

export interface ConsentServiceOptions {
  clock?: Clock;
  observer?: ConsentObserver;
  /** Run in order inside the withdrawal's transaction (see WithdrawalStep). */
  withdrawalSteps?: readonly WithdrawalStep[];
  /** Where `consent.withdrawn` is published once the withdrawal is committed (events.ts). */
  events?: ConsentEvents;
}

export class ConsentService {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #observer: ConsentObserver | undefined;
  readonly #steps: readonly WithdrawalStep[];
  /** Subscribe here to react, after the commit, to what consents do (non-durable reactions only). */
  readonly events: ConsentEvents;
  constructor(storage: Storage, options: ConsentServiceOptions = {}) {
    this.#storage = storage;
    this.#clock = options.clock ?? systemClock;
    this.#observer = options.observer;
    this.#steps = options.withdrawalSteps ?? [];
    this.events = options.events ?? new ConsentEvents();
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

  /**
   * The citizen's unwithdrawn consent for this service and purpose, if any: what they have agreed to
   * release to it (the release policy's `consentGiven`, per attribute — policy/consented-release.ts).
   */
  async active(accountId: string, clientId: string, purpose: string): Promise<Consent | undefined> {
    return (await this.#active(accountId, clientId)).find((c) => c.purpose === purpose);
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

  /**
   * Withdraw one of the citizen's own consents, as ONE operation: the consent is marked withdrawn and
   * every registered withdrawal step (grants and tokens revoked, details kept under it removed) runs
   * in the same transaction — all of it is committed, or none of it. Then `consent.withdrawn` is
   * published to the subscribers. Undefined (nothing done) when it is not theirs or already withdrawn.
   */
  async withdraw(accountId: string, consentId: string): Promise<ConsentWithdrawn | undefined> {
    const withdrawnAt = this.#clock.now();
    const withdrawn = await this.#storage.transaction(async (tx) => {
      // The conditional UPDATE is the claim: of two withdrawals racing, one updates the row and runs
      // the steps; the other finds it already withdrawn and does nothing.
      const row = await tx
        .updateTable('consents')
        .set({ withdrawn_at: withdrawnAt.getTime() })
        .where('consent_id', '=', consentId)
        .where('account_id', '=', accountId)
        .where('withdrawn_at', 'is', null)
        .returning(['consent_id', 'account_id', 'client_id', 'purpose', 'attributes'])
        .executeTakeFirst();
      if (!row) return undefined;
      const event: ConsentWithdrawn = {
        type: 'consent.withdrawn',
        consentId: row.consent_id,
        accountId: row.account_id,
        clientId: row.client_id,
        purpose: row.purpose,
        attributes: JSON.parse(row.attributes) as string[],
        withdrawnAt,
      };
      for (const step of this.#steps) await step.run(tx, event);
      return event;
    });
    if (withdrawn) await this.events.publish(withdrawn);
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
