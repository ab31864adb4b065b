import { type Clock, GovbridgeError, seal, systemClock, unseal, uuid } from '../kernel/index.ts';
import type { Db, JourneyTable, Storage } from '../storage/index.ts';

/**
 * A citizen's saved life-event journeys: the event, its date, the answers given so far and the steps
 * marked done. What the journey says (eligibility, deadlines, amounts) is worked out again from the
 * catalogue on every read, so a corrected catalogue corrects every saved journey. The catalogue's
 * version is recorded each time a journey is created or changed (answers, steps, verified details),
 * so what the citizen last saw can be traced to the rules that said it.
 *
 * Every read and write names the account: another account's journey is simply not found (never
 * "forbidden", which would tell the caller that the id exists).
 */

/** An answer; `null` records "I don't know", so the question is not asked again and stays unknown. */
export type SavedAnswer = string | number | boolean | null;

export interface SavedJourney {
  readonly journeyId: string;
  readonly accountId: string;
  readonly eventId: string;
  /** `YYYY-MM-DD`. */
  readonly eventDate: string;
  readonly answers: Readonly<Record<string, SavedAnswer>>;
  /** Service ids marked done, in the order they were marked. */
  readonly stepsDone: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The catalogue's version when the journey was created or last changed (null: before versions). */
  readonly catalogueVersion: string | null;
  /** Verified details the citizen agreed to use on this journey (undefined: none). */
  readonly verified?: VerifiedDetails;
}

/** Common claims from a national sign-in, with where they came from, kept sealed on the journey. */
export interface VerifiedDetails {
  /** Common claim name → value, as the trust framework mapped it. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The scheme that verified them (`singpass`, `onelogin`). */
  readonly scheme: string;
  readonly trustFrameworkVersion: string;
  /** ISO 8601. */
  readonly verifiedAt: string;
  /** The consent they were agreed under; withdrawing the life-events consent removes them. */
  readonly consentId: string;
}

export interface JourneyStoreOptions {
  /**
   * The version of the catalogue the hub runs (`catalogue.version`), recorded on every journey created
   * or changed. Without it (tests of the store alone) a new journey records none and a change keeps
   * the one recorded.
   */
  readonly catalogueVersion?: string;
}

export class JourneyStore {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #kek: Uint8Array | undefined;
  readonly #catalogueVersion: string | undefined;

  /** `kek` seals verified details at rest; without it the store refuses to keep any. */
  constructor(
    storage: Storage,
    clock: Clock = systemClock,
    kek?: Uint8Array,
    options: JourneyStoreOptions = {},
  ) {
    this.#storage = storage;
    this.#clock = clock;
    this.#kek = kek;
    this.#catalogueVersion = options.catalogueVersion;
  }

  /** The version columns a write sets: the catalogue's, when the store was given it. */
  #versioned(): { catalogue_version?: string } {
    return this.#catalogueVersion === undefined ? {} : { catalogue_version: this.#catalogueVersion };
  }

  async create(input: { accountId: string; eventId: string; eventDate: string }): Promise<SavedJourney> {
    const now = this.#clock.now().getTime();
    const row: JourneyTable = {
      journey_id: uuid(),
      account_id: input.accountId,
      event_id: input.eventId,
      event_date: input.eventDate,
      answers: '{}',
      steps_done: '[]',
      created_at: now,
      updated_at: now,
      catalogue_version: this.#catalogueVersion ?? null,
    };
    await this.#storage.db.insertInto('journeys').values(row).execute();
    return this.#fromRow(row);
  }

  /** The account's journey, or undefined when there is none with that id for this account. */
  async get(accountId: string, journeyId: string): Promise<SavedJourney | undefined> {
    const row = await this.#storage.db
      .selectFrom('journeys')
      .selectAll()
      .where('journey_id', '=', journeyId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? this.#fromRow(row) : undefined;
  }

  /** The account's journeys, most recently changed first. */
  async list(accountId: string): Promise<SavedJourney[]> {
    const rows = await this.#storage.db
      .selectFrom('journeys')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('updated_at', 'desc')
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => this.#fromRow(r));
  }

  /** Merge answers into the journey's (a `null` records "I don't know"). Undefined when not found. */
  async updateAnswers(
    accountId: string,
    journeyId: string,
    answers: Readonly<Record<string, SavedAnswer>>,
  ): Promise<SavedJourney | undefined> {
    return this.#change(accountId, journeyId, (j) => ({ answers: { ...j.answers, ...answers } }));
  }

  /**
   * Change the event's date (the citizen corrects it, or fixes a journey saved with a date the rules
   * cannot work with). Answers and steps are kept. Undefined when not found.
   */
  async setEventDate(
    accountId: string,
    journeyId: string,
    eventDate: string,
  ): Promise<SavedJourney | undefined> {
    return this.#change(accountId, journeyId, () => ({ eventDate }));
  }

  /** Mark one step (a service id) done or not done. Undefined when not found. */
  async setStepDone(
    accountId: string,
    journeyId: string,
    serviceId: string,
    done: boolean,
  ): Promise<SavedJourney | undefined> {
    return this.#change(accountId, journeyId, (j) => {
      const others = j.stepsDone.filter((s) => s !== serviceId);
      return { stepsDone: done ? [...others, serviceId] : others };
    });
  }

  /** Keep verified details on the account's journey, sealed (replacing any). False when not found. */
  async setVerified(accountId: string, journeyId: string, details: VerifiedDetails): Promise<boolean> {
    const kek = this.#requireKek();
    const r = await this.#storage.db
      .updateTable('journeys')
      .set({
        verified_sealed: seal(kek, JSON.stringify(details), `journey-verified:${journeyId}`),
        updated_at: this.#clock.now().getTime(),
        ...this.#versioned(),
      })
      .where('journey_id', '=', journeyId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Remove the verified details from all the account's journeys (their consent was withdrawn). */
  async removeVerified(accountId: string): Promise<number> {
    return removeVerifiedDetails(this.#storage.db, accountId);
  }

  #requireKek(): Uint8Array {
    if (!this.#kek)
      throw new GovbridgeError('server_error', 'The journey store has no key to seal verified details');
    return this.#kek;
  }

  #fromRow(row: JourneyTable): SavedJourney {
    const base = fromRow(row);
    if (!row.verified_sealed || !this.#kek) return base;
    const details = JSON.parse(
      unseal(this.#kek, row.verified_sealed, `journey-verified:${row.journey_id}`),
    ) as VerifiedDetails;
    return { ...base, verified: details };
  }

  /** Read, change and write in one transaction, so two tabs cannot lose each other's answers. */
  async #change(
    accountId: string,
    journeyId: string,
    fn: (j: SavedJourney) => {
      answers?: Record<string, SavedAnswer>;
      stepsDone?: string[];
      eventDate?: string;
    },
  ): Promise<SavedJourney | undefined> {
    return this.#storage.transaction(async (tx) => {
      let query = tx
        .selectFrom('journeys')
        .selectAll()
        .where('journey_id', '=', journeyId)
        .where('account_id', '=', accountId);
      if (this.#storage.capabilities.skipLocked) query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return undefined;
      const current = this.#fromRow(row);
      const change = fn(current);
      const updated: JourneyTable = {
        ...row,
        answers: JSON.stringify(change.answers ?? current.answers),
        steps_done: JSON.stringify(change.stepsDone ?? current.stepsDone),
        event_date: change.eventDate ?? row.event_date,
        updated_at: Math.max(this.#clock.now().getTime(), Number(row.updated_at)),
        ...this.#versioned(),
      };
      await tx
        .updateTable('journeys')
        .set({
          answers: updated.answers,
          steps_done: updated.steps_done,
          event_date: updated.event_date,
          updated_at: updated.updated_at,
          ...this.#versioned(),
        })
        .where('journey_id', '=', journeyId)
        .where('account_id', '=', accountId)
        .execute();
      return this.#fromRow(updated);
    });
  }
}

/**
 * Remove the verified details from all the account's journeys, with `db` — the withdrawal's own
 * transaction when the life-events consent is withdrawn (src/consent, ADR 20). One active consent
 * covers every journey's verified details, so all of them go.
 */
export async function removeVerifiedDetails(db: Db, accountId: string): Promise<number> {
  const r = await db
    .updateTable('journeys')
    .set({ verified_sealed: null })
    .where('account_id', '=', accountId)
    .where('verified_sealed', 'is not', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

function fromRow(row: JourneyTable): SavedJourney {
  return {
    journeyId: row.journey_id,
    accountId: row.account_id,
    eventId: row.event_id,
    eventDate: row.event_date,
    answers: parseAnswers(row.answers),
    stepsDone: parseSteps(row.steps_done),
    // PostgreSQL returns BIGINT as a string.
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
    catalogueVersion: row.catalogue_version ?? null,
  };
}

function parseAnswers(text: string): Record<string, SavedAnswer> {
  const value: unknown = JSON.parse(text);
  const out: Record<string, SavedAnswer> = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function parseSteps(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
