import type { FactRead, ParameterReading, Trace } from '../rules/index.ts';
import { formatAmount, formatDate, formatFactValue, formatParameterValue } from './format-value.ts';
import type { Catalogue, Service } from './types.ts';

/**
 * The plain-words explanation of one service's decision, generated from its traces: which rule,
 * which of the citizen's answers and which official values (with their dates and sources) produced
 * it. GOV.UK content style: short sentences, dates as "6 April 2025", money as "£26.05 a week".
 */

/** `outside_rules`: the catalogue holds this service's rules only from a later date (`rulesFrom`). */
export type Eligibility = 'eligible' | 'not_eligible' | 'may_be_eligible' | 'outside_rules';

export interface DecisionSummary {
  readonly eligibility: Eligibility;
  readonly missing: readonly string[];
  readonly rulesFrom?: string;
  readonly deadline?: { readonly status: 'known'; readonly date: string } | { readonly status: 'unknown' };
  readonly amount?: { readonly status: 'known'; readonly value: number } | { readonly status: 'unknown' };
}

export interface DecisionTraces {
  readonly eligibility?: Trace;
  readonly deadline?: Trace;
  readonly amount?: Trace;
}

export function explainDecision(
  catalogue: Catalogue,
  service: Service,
  decision: DecisionSummary,
  traces: DecisionTraces,
  eventDate?: string,
): string[] {
  if (decision.eligibility === 'outside_rules' || traces.eligibility === undefined) {
    const from = decision.rulesFrom ? ` from ${formatDate(decision.rulesFrom)}` : '';
    const date = eventDate ? `: your date, ${formatDate(eventDate)}, is before that` : '';
    return [
      `Not known — we hold rules for “${service.name}”${from}${date}. We cannot tell you whether it applies, by when or how much; check with ${agencyName(catalogue, service)}.`,
    ];
  }
  const answers = describeAnswers(catalogue, traces.eligibility.facts);
  const because = answers ? ` because of your answers: ${answers}` : '';
  const lines: string[] = [];
  switch (decision.eligibility) {
    case 'eligible':
      lines.push(`Eligible for “${service.name}”${because}.`);
      break;
    case 'not_eligible':
      lines.push(`Not eligible for “${service.name}”${because}.`);
      break;
    case 'may_be_eligible': {
      const questions = decision.missing.map((id) => `“${catalogue.facts.get(id)?.question ?? id}”`);
      lines.push(`You may be eligible for “${service.name}” — we need to know: ${questions.join('; ')}.`);
      if (answers) lines.push(`So far we used your answers: ${answers}.`);
      break;
    }
  }
  const values = describeParameters(catalogue, traces.eligibility.parameters);
  if (values) lines.push(`The rule used ${values}.`);
  if (decision.amount?.status === 'known' && service.amount && traces.amount) {
    const { currency, period, description } = service.amount;
    lines.push(
      `Amount: ${formatAmount(decision.amount.value, currency, period)}. ${description}${basis(catalogue, traces.amount)}`,
    );
  }
  if (decision.deadline?.status === 'known' && service.deadline && traces.deadline) {
    lines.push(
      `Deadline: ${formatDate(decision.deadline.date)}. ${service.deadline.description}${basis(catalogue, traces.deadline)}`,
    );
  }
  return lines;
}

function agencyName(catalogue: Catalogue, service: Service): string {
  return catalogue.agencies.get(service.agency)?.name ?? 'the agency';
}

function basis(catalogue: Catalogue, trace: Trace): string {
  const answers = describeAnswers(catalogue, trace.facts);
  const values = describeParameters(catalogue, trace.parameters);
  const parts = [answers && `your answers: ${answers}`, values].filter(Boolean);
  return parts.length > 0 ? ` Worked out from ${parts.join('; and ')}.` : '';
}

function describeAnswers(catalogue: Catalogue, facts: readonly FactRead[]): string {
  return facts
    .filter((f) => f.known)
    .map((f) => {
      const fact = catalogue.facts.get(f.id);
      return `“${fact?.question ?? f.id}” ${formatFactValue(fact, f.value!)}`;
    })
    .join('; ');
}

function describeParameters(catalogue: Catalogue, readings: readonly ParameterReading[]): string {
  return readings.map((p) => describeParameter(catalogue, p)).join('; ');
}

/** "Child Benefit weekly rate for the eldest or only child: £26.05 a week from 6 April 2025 (source: https://…)". */
export function describeParameter(catalogue: Catalogue, reading: ParameterReading): string {
  const parameter = catalogue.parameters.get(reading.id);
  const value = parameter ? formatParameterValue(reading.value, parameter.unit) : String(reading.value);
  const announced = reading.expected ? ', as announced' : '';
  return `${parameter?.description ?? reading.id}: ${value} from ${formatDate(reading.from)}${announced} (source: ${reading.reference})`;
}
