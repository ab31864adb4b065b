import { type Clock, systemClock, uuid } from '../kernel/index.ts';
import type { JourneyTable, Storage } from '../storage/index.ts';

/**
 * A citizen's saved life-event journeys: the event, its date, the answers given so far and the steps
 * marked done. What the journey says (eligibility, deadlines, amounts) is worked out again from the
 * catalogue on every read, so a corrected catalogue corrects every saved journey.
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
}

export class JourneyStore {
  readonly #storage: Storage;
  readonly #clock: Clock;

  constructor(storage: Storage, clock: Clock = systemClock) {
    this.#storage = storage;
    this.#clock = clock;
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
    };
    await this.#storage.db.insertInto('journeys').values(row).execute();
    return fromRow(row);
  }

  /** The account's journey, or undefined when there is none with that id for this account. */
  async get(accountId: string, journeyId: string): Promise<SavedJourney | undefined> {
    const row = await this.#storage.db
      .selectFrom('journeys')
      .selectAll()
      .where('journey_id', '=', journeyId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
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
    return rows.map(fromRow);
  }

  /** Merge answers into the journey's (a `null` records "I don't know"). Undefined when not found. */
  async updateAnswers(
    accountId: string,
    journeyId: string,
    answers: Readonly<Record<string, SavedAnswer>>,
  ): Promise<SavedJourney | undefined> {
    return this.#change(accountId, journeyId, (j) => ({ answers: { ...j.answers, ...answers } }));
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

  /** Read, change and write in one transaction, so two tabs cannot lose each other's answers. */
  async #change(
    accountId: string,
    journeyId: string,
    fn: (j: SavedJourney) => { answers?: Record<string, SavedAnswer>; stepsDone?: string[] },
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
      const current = fromRow(row);
      const change = fn(current);
      const updated: JourneyTable = {
        ...row,
        answers: JSON.stringify(change.answers ?? current.answers),
        steps_done: JSON.stringify(change.stepsDone ?? current.stepsDone),
        updated_at: Math.max(this.#clock.now().getTime(), Number(row.updated_at)),
      };
      await tx
        .updateTable('journeys')
        .set({ answers: updated.answers, steps_done: updated.steps_done, updated_at: updated.updated_at })
        .where('journey_id', '=', journeyId)
        .where('account_id', '=', accountId)
        .execute();
      return fromRow(updated);
    });
  }
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
