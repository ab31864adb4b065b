import { isGovbridgeError } from '../kernel/index.ts';
import { evaluateJourney } from './evaluate-journey.ts';
import type { Catalogue, RuleCase } from './types.ts';

/**
 * Run the catalogue's rule cases (`cases/*.yaml`: inputs → expected result, each with the official
 * guidance it comes from) and return every difference. `missing` compares as a set: which facts are
 * needed matters, not the order the engine reads them in. Amounts match to the penny. A service
 * outside the rules on the case's date must be expected with `rulesFrom` (its date), and only then.
 */

export interface CaseFailure {
  readonly file: string;
  readonly index: number;
  readonly name: string;
  readonly source: string;
  readonly service?: string;
  readonly field: 'eligible' | 'amount' | 'deadline' | 'missing' | 'rulesFrom' | 'error';
  readonly expected: unknown;
  readonly actual: unknown;
}

const ELIGIBLE = {
  eligible: true,
  not_eligible: false,
  may_be_eligible: 'unknown',
  outside_rules: 'unknown',
} as const;

export function runCases(catalogue: Catalogue, cases: readonly RuleCase[] = catalogue.cases): CaseFailure[] {
  const failures: CaseFailure[] = [];
  for (const c of cases) {
    const at = { file: c.file, index: c.index, name: c.name, source: c.source };
    let journey: ReturnType<typeof evaluateJourney>;
    try {
      journey = evaluateJourney(catalogue, c.event, c.eventDate, c.facts);
    } catch (error) {
      const message = isGovbridgeError(error) || error instanceof Error ? error.message : String(error);
      failures.push({ ...at, field: 'error', expected: 'a result', actual: message });
      continue;
    }
    for (const [serviceId, expected] of Object.entries(c.expect)) {
      const decision = journey.services.find((s) => s.serviceId === serviceId);
      const fail = (field: CaseFailure['field'], e: unknown, a: unknown) =>
        failures.push({ ...at, service: serviceId, field, expected: e, actual: a });
      if (!decision) {
        fail('error', 'a decision', 'the service is not in the journey');
        continue;
      }
      const eligible = ELIGIBLE[decision.eligibility];
      if (eligible !== expected.eligible) fail('eligible', expected.eligible, eligible);
      // Outside the rules must be expected as such (and from which date), never pass as "may be".
      if (expected.rulesFrom !== decision.rulesFrom)
        fail('rulesFrom', expected.rulesFrom, decision.rulesFrom);
      if (expected.amount !== undefined) {
        const amount = decision.amount?.status === 'known' ? decision.amount.value : undefined;
        if (amount === undefined || Math.abs(amount - expected.amount) >= 0.005)
          fail('amount', expected.amount, amount);
      }
      if (expected.deadline !== undefined) {
        const deadline = decision.deadline?.status === 'known' ? decision.deadline.date : undefined;
        if (deadline !== expected.deadline) fail('deadline', expected.deadline, deadline);
      }
      if (expected.missing !== undefined) {
        const a = [...decision.missing].sort();
        const e = [...expected.missing].sort();
        if (a.join(',') !== e.join(',')) fail('missing', expected.missing, decision.missing);
      }
    }
  }
  return failures;
}

/** One line per failure, for test output and the CLI. */
export function formatCaseFailure(f: CaseFailure): string {
  return `${f.file}[${f.index}] “${f.name}”${f.service ? ` ${f.service}` : ''}: ${f.field} expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.actual)} (source: ${f.source})`;
}
