import { GovbridgeError } from '../../kernel/index.ts';
import { type Catalogue, checkFactValue, type LifeEvent } from '../../life-events/index.ts';

/**
 * The journey request beyond its JSON Schema: answers and verified values against the catalogue's
 * facts (type, options, min/max, `notFuture`), the event date against today when the catalogue says
 * an event cannot be in the future, and the merge of answers with verified data (verified wins).
 */

export type AnswerValue = string | number | boolean;

export interface JourneyBody {
  eventDate: string;
  facts: Record<string, unknown>;
  verified?: Record<string, unknown>;
}

export interface Conflict {
  fact: string;
  answered: AnswerValue;
  verified: AnswerValue;
  message: string;
}

export interface MergedFacts {
  facts: Record<string, AnswerValue>;
  sources: Record<string, { value: AnswerValue; source: 'answered' | 'verified' }>;
  conflicts: Conflict[];
}

/**
 * Whether the catalogue marks the event's date as never in the future (a date of death). The
 * catalogue's event schema may carry `eventDate.notFuture: true`; read it structurally so the API
 * honours it as soon as the catalogue does.
 */
export function eventDateNotFuture(event: LifeEvent): boolean {
  const eventDate: object = event.eventDate;
  return 'notFuture' in eventDate && eventDate.notFuture === true;
}

export function checkEventDateNotFuture(event: LifeEvent, eventDate: string, today: string): void {
  if (eventDateNotFuture(event) && eventDate > today) {
    throw new GovbridgeError(
      'bad_request',
      `eventDate must not be in the future for “${event.name}” (got ${eventDate}, today is ${today})`,
      { detail: { field: 'eventDate' } },
    );
  }
}

/** Check one set of values (`facts` or `verified`); a `bad_request` naming every bad one. */
function checkValues(
  catalogue: Catalogue,
  field: 'facts' | 'verified',
  values: Record<string, unknown>,
  today: string,
): Record<string, AnswerValue> {
  const problems: string[] = [];
  const out: Record<string, AnswerValue> = {};
  for (const [id, value] of Object.entries(values)) {
    if (value === null) continue; // not known
    const fact = catalogue.facts.get(id);
    if (!fact) {
      problems.push(`${field}.${id} is not a fact this catalogue knows`);
      continue;
    }
    const reason = checkFactValue(fact, value, today);
    if (reason) {
      problems.push(`${field}.${id} ${reason} (got ${describe(value)})`);
      continue;
    }
    out[id] = value as AnswerValue;
  }
  if (problems.length > 0) {
    const noun = field === 'facts' ? 'Some answers are' : 'Some verified values are';
    throw new GovbridgeError('bad_request', `${noun} not valid: ${problems.join('; ')}`, {
      detail: { problems },
    });
  }
  return out;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function same(a: AnswerValue, b: AnswerValue): boolean {
  return typeof a === 'string' && typeof b === 'string' ? a.trim() === b.trim() : a === b;
}

/** Validate answers and verified values, and merge them: verified wins, and each conflict is listed. */
export function mergeFacts(catalogue: Catalogue, body: JourneyBody, today: string): MergedFacts {
  const answered = checkValues(catalogue, 'facts', body.facts, today);
  const verified = checkValues(catalogue, 'verified', body.verified ?? {}, today);
  const facts: Record<string, AnswerValue> = {};
  const sources: MergedFacts['sources'] = {};
  const conflicts: Conflict[] = [];
  for (const [id, value] of Object.entries(answered)) {
    facts[id] = value;
    sources[id] = { value, source: 'answered' };
  }
  for (const [id, value] of Object.entries(verified)) {
    const answer = answered[id];
    if (answer !== undefined && !same(answer, value)) {
      const question = catalogue.facts.get(id)!.question;
      conflicts.push({
        fact: id,
        answered: answer,
        verified: value,
        message: `You answered ${JSON.stringify(answer)} to “${question}”, but your verified record says ${JSON.stringify(value)}. We used the verified value.`,
      });
    }
    facts[id] = value;
    sources[id] = { value, source: 'verified' };
  }
  return { facts, sources, conflicts };
}
