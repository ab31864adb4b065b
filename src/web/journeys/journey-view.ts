import {
  type Catalogue,
  formatAmount,
  formatDate,
  type Journey,
  type LifeEvent,
  type SavedAnswer,
  type SavedJourney,
} from '../../life-events/index.ts';

/**
 * What the journey page shows, from a saved journey and its evaluation: each step's status (Done /
 * To do / Overdue / Cannot do), deadline and amount in words, what is still unknown, and which
 * steps can reuse verified details (from the catalogue's `reusesVerified`; no claim is read here).
 */

export type StepStatus = 'done' | 'to_do' | 'overdue' | 'not_eligible';

const TAGS: Readonly<Record<StepStatus, { text: string; classes: string }>> = {
  done: { text: 'Done', classes: 'govuk-tag--green' },
  to_do: { text: 'To do', classes: 'govuk-tag--blue' },
  overdue: { text: 'Overdue', classes: 'govuk-tag--red' },
  not_eligible: { text: 'Cannot do – not eligible', classes: 'govuk-tag--grey' },
};

export const COUNTRY_WORDS: Readonly<Record<string, string>> = { GB: 'United Kingdom', SG: 'Singapore' };

const CLAIM_WORDS: Readonly<Record<string, string>> = {
  name: 'name',
  birthdate: 'date of birth',
  address: 'address',
  nationalities: 'nationality',
};

export interface Progress {
  done: number;
  toDo: number;
  overdue: number;
  notEligible: number;
}

/** Facts the rules read, without "I don't know" answers (they stay unknown). */
export function knownAnswers(saved: SavedJourney): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [id, v] of Object.entries(saved.answers) as [string, SavedAnswer][]) if (v !== null) out[id] = v;
  return out;
}

/**
 * The earliest event date every parameter the event's services read has a value for (before it, some
 * steps are outside the rules: "not known", with the date their rules start).
 */
export function earliestEventDate(catalogue: Catalogue, event: LifeEvent): string {
  let min = '';
  for (const id of event.services) {
    const rules = catalogue.services.get(id)?.rules;
    for (const rule of [rules?.eligibility, rules?.deadline, rules?.amount]) {
      for (const p of rule?.parameters ?? []) {
        const from = catalogue.parameters.get(p)?.series[0]?.from ?? '';
        if (from > min) min = from;
      }
    }
  }
  return min;
}

/** Every fact the event's services may read, in journey order. */
export function eventFacts(catalogue: Catalogue, event: LifeEvent): string[] {
  const out: string[] = [];
  for (const id of event.services)
    for (const f of catalogue.services.get(id)?.facts ?? []) if (!out.includes(f)) out.push(f);
  return out;
}

/** The next question still needed and not yet answered (nor skipped), in journey order. */
export function nextQuestion(journey: Journey, saved: SavedJourney): string | undefined {
  return journey.questions.find((q) => !(q.factId in saved.answers))?.factId;
}

function statusOf(decision: Journey['services'][number], saved: SavedJourney, today: string): StepStatus {
  if (decision.eligibility === 'not_eligible') return 'not_eligible';
  if (saved.stepsDone.includes(decision.serviceId)) return 'done';
  if (decision.deadline?.status === 'known' && today > decision.deadline.date) return 'overdue';
  return 'to_do';
}

export function progressOf(journey: Journey, saved: SavedJourney, today: string): Progress {
  const p: Progress = { done: 0, toDo: 0, overdue: 0, notEligible: 0 };
  for (const d of journey.services) {
    const s = statusOf(d, saved, today);
    if (s === 'done') p.done++;
    else if (s === 'to_do') p.toDo++;
    else if (s === 'overdue') p.overdue++;
    else p.notEligible++;
  }
  return p;
}

export function progressText(p: Progress): string {
  const parts = [`${p.done} done`, `${p.toDo} to do`];
  if (p.overdue > 0) parts.push(`${p.overdue} overdue`);
  return parts.join(', ');
}

export function stepsView(catalogue: Catalogue, journey: Journey, saved: SavedJourney, today: string) {
  const base = `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`;
  return journey.services.map((d, index) => {
    const status = statusOf(d, saved, today);
    const service = catalogue.services.get(d.serviceId);
    const missing = d.missing.map((factId) => ({
      href: `${base}/questions/${encodeURIComponent(factId)}?return=journey`,
      text: catalogue.facts.get(factId)?.question ?? factId,
    }));
    const reuses = (service?.reusesVerified ?? []).map((c) => CLAIM_WORDS[c] ?? c);
    return {
      number: index + 1,
      anchor: stepAnchor(d.serviceId),
      serviceId: d.serviceId,
      name: d.name,
      country: COUNTRY_WORDS[d.country] ?? d.country,
      agency: d.agency.name,
      url: d.url,
      howToApply: d.howToApply,
      status,
      tag: TAGS[status],
      eligibility:
        d.eligibility === 'eligible'
          ? 'You are likely to be eligible.'
          : d.eligibility === 'may_be_eligible'
            ? 'You may be eligible – we need to know more.'
            : d.eligibility === 'outside_rules'
              ? `Not known – we hold rules for this step from ${formatDate(d.rulesFrom ?? '')}, after your date. Check with ${d.agency.name}.`
              : 'You are not eligible.',
      deadline:
        d.deadline?.status === 'known'
          ? { text: `By ${formatDate(d.deadline.date)}`, description: d.deadline.description }
          : d.deadline
            ? { text: 'Not known yet – we need to know more', description: d.deadline.description }
            : undefined,
      amount:
        d.amount?.status === 'known'
          ? {
              text: `Likely amount: ${formatAmount(d.amount.value, d.amount.currency, d.amount.period)}`,
              description: d.amount.description,
            }
          : d.amount
            ? { text: 'Not known yet – we need to know more', description: d.amount.description }
            : undefined,
      explanation: d.explanation,
      missing,
      reuses:
        reuses.length > 0 && status !== 'not_eligible'
          ? `You can reuse your verified details: ${reuses.join(', ')}.`
          : undefined,
      canMark: status !== 'not_eligible',
      done: status === 'done',
    };
  });
}

/** The id of a step's section on the journey page (service ids have dots). */
export function stepAnchor(serviceId: string): string {
  return `step-${serviceId.replace(/[^a-z0-9_-]/g, '-')}`;
}
