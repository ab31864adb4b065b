import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GovbridgeError } from '../kernel/index.ts';
import {
  addDays,
  addMonths,
  ageOn,
  type CompiledExpression,
  createCompiler,
  daysBetween,
  type EvaluationContext,
  evaluateExpression,
  type Facts,
  type FactType,
  isIsoDate,
  MAX_EXPRESSION_LENGTH,
  type ParameterKind,
  type ParameterReading,
  prepareFacts,
  type ResultType,
} from './index.ts';

const factTypes = new Map<string, FactType>([
  ['birthdate', 'date'],
  ['uk_resident', 'boolean'],
  ['sg_citizen', 'boolean'],
  ['children', 'integer'],
  ['income', 'money'],
  ['relationship', 'enum'],
]);
const parameterKinds = new Map<string, ParameterKind>([
  ['cb.eldest', 'double'],
  ['register.days', 'int'],
  ['hicbc.threshold', 'double'],
]);
const readings: Record<string, ParameterReading> = {
  'cb.eldest': {
    id: 'cb.eldest',
    value: 26.05,
    from: '2025-04-07',
    reference: 'https://www.gov.uk/child-benefit/what-youll-get',
  },
  'register.days': {
    id: 'register.days',
    value: 42,
    from: '1953-01-01',
    reference: 'https://www.gov.uk/register-birth',
  },
  'hicbc.threshold': {
    id: 'hicbc.threshold',
    value: 60000,
    from: '2024-04-06',
    reference: 'https://www.gov.uk/child-benefit-tax-charge',
  },
};
const compiler = createCompiler({ facts: factTypes, parameters: parameterKinds });
const all = new Set(factTypes.keys());
const compile = (source: string, resultType: ResultType = 'bool', allowed = all) =>
  compiler.compile(source, { allowedFacts: allowed, resultType });
const ctx = (facts: Facts, eventDate = '2025-06-01'): EvaluationContext => ({
  facts: prepareFacts(facts, factTypes),
  eventDate,
  parameter: (id) => readings[id]!,
});
const run = (expr: CompiledExpression, facts: Facts, trace = false) =>
  evaluateExpression(expr, ctx(facts), { trace });

test('date functions across month ends and leap years', () => {
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2023-02-28', 1), '2023-03-01');
  assert.equal(addDays('2024-12-31', 1), '2025-01-01');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  assert.equal(addDays('2025-05-01', 42), '2025-06-12');
  assert.equal(addMonths('2024-01-31', 1), '2024-02-29');
  assert.equal(addMonths('2023-01-31', 1), '2023-02-28');
  assert.equal(addMonths('2024-02-29', 12), '2025-02-28');
  assert.equal(addMonths('2024-11-15', 3), '2025-02-15');
  assert.equal(addMonths('2024-03-31', -1), '2024-02-29');
  assert.equal(daysBetween('2024-02-01', '2024-03-01'), 29);
  assert.equal(daysBetween('2023-02-01', '2023-03-01'), 28);
  assert.equal(daysBetween('2025-03-01', '2025-02-01'), -28);
  // across the UK's spring clock change: still whole days
  assert.equal(daysBetween('2025-03-29', '2025-03-31'), 2);
  assert.equal(ageOn('2000-06-15', '2018-06-14'), 17);
  assert.equal(ageOn('2000-06-15', '2018-06-15'), 18);
  assert.equal(ageOn('2004-02-29', '2022-02-28'), 17);
  assert.equal(ageOn('2004-02-29', '2022-03-01'), 18);
  assert.equal(ageOn('2004-02-29', '2024-02-29'), 20);
  assert.ok(isIsoDate('2024-02-29'));
  assert.ok(!isIsoDate('2023-02-29'));
  assert.ok(!isIsoDate('2024-13-01'));
  assert.ok(!isIsoDate('2024-1-01'));
  assert.throws(
    () => addDays('01/02/2024', 1),
    (e: unknown) => e instanceof GovbridgeError && e.code === 'rule_failed',
  );
});

test('CEL functions: dates, ages, min/max and parameters by kind', () => {
  const v = (source: string, type: ResultType, facts: Facts = {}) =>
    run(compile(source, type), facts).outcome;
  assert.deepEqual(v("add_days('2024-02-28', param('register.days'))", 'date'), {
    status: 'known',
    value: '2024-04-10',
  });
  assert.deepEqual(v('add_months(event.date, 3)', 'date'), { status: 'known', value: '2025-09-01' });
  assert.deepEqual(v("days_between('2024-02-01', '2024-03-01')", 'number'), { status: 'known', value: 29 });
  assert.deepEqual(v('age_on(facts.birthdate, event.date) >= 18', 'bool', { birthdate: '2007-06-01' }), {
    status: 'known',
    value: true,
  });
  assert.deepEqual(v('min(param("cb.eldest") * 2.0, 50.0)', 'number'), { status: 'known', value: 50 });
  assert.deepEqual(v('max(facts.children, 1)', 'number', { children: 3 }), { status: 'known', value: 3 });
  assert.deepEqual(v('min(facts.children, 2.5)', 'number', { children: 3 }), { status: 'known', value: 2.5 });
  assert.deepEqual(v('facts.income < param("hicbc.threshold")', 'bool', { income: 59999.99 }), {
    status: 'known',
    value: true,
  });
  assert.deepEqual(v("facts.birthdate >= '2024-01-01'", 'bool', { birthdate: '2024-02-29' }), {
    status: 'known',
    value: true,
  });
});

test('unknown facts are reported, never guessed, and only when the result depends on them', () => {
  const or = compile('facts.uk_resident || facts.sg_citizen');
  assert.deepEqual(run(or, { uk_resident: true }).outcome, { status: 'known', value: true });
  assert.deepEqual(run(or, { sg_citizen: true }).outcome, { status: 'known', value: true });
  assert.deepEqual(run(or, { uk_resident: false }).outcome, { status: 'unknown', missing: ['sg_citizen'] });
  assert.deepEqual(run(or, {}).outcome, { status: 'unknown', missing: ['uk_resident', 'sg_citizen'] });
  const and = compile('facts.uk_resident && facts.children > 0');
  assert.deepEqual(run(and, { uk_resident: false }).outcome, { status: 'known', value: false });
  assert.deepEqual(run(and, { children: 0 }).outcome, { status: 'known', value: false });
  assert.deepEqual(run(and, { children: 2 }).outcome, { status: 'unknown', missing: ['uk_resident'] });
  // a condition decides which branch is needed: ask for it first
  const ternary = compile('facts.uk_resident ? facts.children > 0 : facts.sg_citizen');
  assert.deepEqual(run(ternary, {}).outcome, { status: 'unknown', missing: ['uk_resident'] });
  assert.deepEqual(run(ternary, { uk_resident: false }).outcome, {
    status: 'unknown',
    missing: ['sg_citizen'],
  });
  // a fact inside a function call
  const age = compile('age_on(facts.birthdate, event.date) < 16');
  assert.deepEqual(run(age, { birthdate: undefined }).outcome, { status: 'unknown', missing: ['birthdate'] });
  // the same answers with a trace
  assert.deepEqual(run(or, { uk_resident: false }, true).outcome, {
    status: 'unknown',
    missing: ['sg_citizen'],
  });
  // false is a known value, not a missing one
  assert.deepEqual(run(compile('!facts.uk_resident'), { uk_resident: false }).outcome, {
    status: 'known',
    value: true,
  });
});

test('traces name the facts and parameters read, with dates and references', () => {
  const expr = compile('facts.uk_resident && facts.income < param("hicbc.threshold")');
  const { outcome, trace } = run(expr, { uk_resident: true, income: 45000, children: 2 }, true);
  assert.deepEqual(outcome, { status: 'known', value: true });
  assert.ok(trace);
  assert.equal(trace.expression, expr.source);
  assert.deepEqual(trace.facts, [
    { id: 'uk_resident', value: true, known: true },
    { id: 'income', value: 45000, known: true },
  ]);
  assert.deepEqual(trace.parameters, [readings['hicbc.threshold']]);
  assert.deepEqual(trace.result, outcome);
  // a short-circuited side is not read
  const short = run(expr, { uk_resident: false }, true).trace!;
  assert.deepEqual(short.facts, [{ id: 'uk_resident', value: false, known: true }]);
  assert.deepEqual(short.parameters, []);
  // an unknown fact appears as read but not known
  const unknown = run(expr, { income: 1 }, true).trace!;
  assert.deepEqual(unknown.result, { status: 'unknown', missing: ['uk_resident'] });
  assert.ok(unknown.facts.some((f) => f.id === 'uk_resident' && !f.known));
  // no trace on the fast path
  assert.equal(run(expr, { uk_resident: true, income: 1 }).trace, undefined);
});

test('compile-time errors: facts, parameters, functions, types, sandbox', () => {
  const problem = (source: string, re: RegExp, type: ResultType = 'bool', allowed = all) =>
    assert.throws(
      () => compile(source, type, allowed),
      (e: unknown) => e instanceof GovbridgeError && e.code === 'rule_invalid' && re.test(e.message),
      source,
    );
  problem('facts.nope', /unknown fact "nope"/);
  problem('facts.income > 1.0', /not listed in this service's facts/, 'bool', new Set(['uk_resident']));
  problem('param("nope") > 1.0', /unknown parameter "nope"/);
  problem('param(facts.relationship) > 1.0', /one string literal/);
  problem('frobnicate(1)', /no matching overload/);
  problem('size(facts) > 0', /read facts only as facts/);
  problem('facts["income"] > 0.0', /read facts only as facts/);
  problem('event.place == "x"', /event has only "date"/);
  problem('has(facts.income)', /has\(\) is not allowed/);
  problem('"a".matches("(a+)+$")', /matches\(\) is not allowed/);
  problem('facts.income * 2 > 1.0', /no such overload: double \* int/);
  problem('param("cb.eldest") * facts.children > 1.0', /^Invalid expression: column 1: no such overload/);
  problem('facts.uk_resident && param("cb.eldest") * facts.children > 1.0', /column 22: no such overload/);
  problem('param("cb.eldest") > 1.0 && facts.income * 2 > 1.0', /column 29: no such overload: double \* int/);
  problem('facts.birthdate > 3', /no such overload/);
  problem('facts.income', /must produce true or false but produces double/);
  problem('facts.uk_resident', /must produce a number/, 'number');
  problem('facts.children', /must produce a date string/, 'date');
  problem('facts.uk_resident &&', /column/);
  problem('someVariable > 1', /Unknown variable|unknown/i);
  problem(`${'1 + '.repeat(MAX_EXPRESSION_LENGTH / 4)}1 > 0`, /the limit is 2000/);
  problem(`${'('.repeat(60)}1${')'.repeat(60)} > 0`, /depth|nest|exceed/i);
  // several problems are reported together
  assert.throws(
    () => compile('facts.nope || param("nope") > 1.0'),
    (e: unknown) =>
      e instanceof GovbridgeError && (e.detail?.['problems'] as string[] | undefined)?.length === 2,
  );
});

test('run-time failures are errors, not unknowns', () => {
  const expr = compile('add_days(facts.birthdate, 1) > event.date');
  assert.throws(
    () => run(expr, { birthdate: '2024-02-30' }),
    (e: unknown) => e instanceof GovbridgeError && e.code === 'rule_failed',
  );
  // a resolver that has no value for the date is the caller's error and passes through unchanged
  const p = compile('param("cb.eldest") > 1.0');
  assert.throws(
    () =>
      evaluateExpression(p, {
        ...ctx({}),
        parameter: () => {
          throw new GovbridgeError('bad_request', 'no value before 2025-04-07');
        },
      }),
    (e: unknown) => e instanceof GovbridgeError && e.code === 'bad_request',
  );
});

test('date arithmetic agrees with the JavaScript calendar over four centuries', () => {
  const day = 86_400_000;
  const start = Date.UTC(1900, 0, 1);
  for (let ms = start; ms < Date.UTC(2300, 0, 1); ms += 7 * day) {
    const iso = new Date(ms).toISOString().slice(0, 10);
    assert.ok(isIsoDate(iso), iso);
    assert.equal(addDays(iso, 45), new Date(ms + 45 * day).toISOString().slice(0, 10));
    assert.equal(daysBetween('1900-01-01', iso), Math.round((ms - start) / day));
  }
  assert.ok(isIsoDate('2000-02-29'));
  assert.ok(!isIsoDate('1900-02-29'));
  assert.ok(!isIsoDate('2024-00-10'));
  assert.ok(!isIsoDate('2024-01-0a'));
});

test('property: a known result holds whatever the unknown facts turn out to be', async () => {
  const fc = await import('fast-check');
  const ids = ['uk_resident', 'sg_citizen', 'income_low'] as const;
  const types = new Map<string, FactType>(ids.map((id) => [id, 'boolean']));
  const c = createCompiler({ facts: types, parameters: new Map() });
  const allowed = new Set<string>(ids);
  const { expr } = fc.letrec((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...ids.map((id) => `facts.${id}`), 'true', 'false'),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} && ${b})`),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} || ${b})`),
      tie('expr').map((a) => `!${a}`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, b, d]) => `(${a} ? ${b} : ${d})`),
    ),
  }));
  const partial = fc.record(
    { uk_resident: fc.boolean(), sg_citizen: fc.boolean(), income_low: fc.boolean() },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(expr, partial, (source, known) => {
      const compiled = c.compile(source as string, { allowedFacts: allowed, resultType: 'bool' });
      const at = (facts: Facts) =>
        evaluateExpression(compiled, {
          facts: prepareFacts(facts, types),
          eventDate: '2025-01-01',
          parameter: () => assert.fail(),
        }).outcome;
      const outcome = at(known);
      const absent = ids.filter((id) => !(id in known));
      if (outcome.status === 'unknown') {
        assert.ok(outcome.missing.length > 0);
        for (const id of outcome.missing) assert.ok(absent.includes(id as (typeof ids)[number]), id);
        return;
      }
      // every completion of the unknown facts gives the same answer
      for (let mask = 0; mask < 1 << absent.length; mask++) {
        const full: Record<string, boolean> = { ...known };
        absent.forEach((id, i) => {
          full[id] = Boolean(mask & (1 << i));
        });
        assert.deepEqual(at(full), outcome, `${source} with ${JSON.stringify(full)}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: the fast path names the same missing facts, in the same order, as a traced run', async () => {
  const fc = await import('fast-check');
  const ids = ['uk_resident', 'sg_citizen', 'income_low', 'children'] as const;
  const types = new Map<string, FactType>([
    ['uk_resident', 'boolean'],
    ['sg_citizen', 'boolean'],
    ['income_low', 'boolean'],
    ['children', 'integer'],
  ]);
  const c = createCompiler({ facts: types, parameters: new Map() });
  const allowed = new Set<string>(ids);
  const { expr } = fc.letrec((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(
        'facts.uk_resident',
        'facts.sg_citizen',
        'facts.income_low',
        '(facts.children > 1)',
        '(facts.children + (facts.uk_resident ? 1 : 0) == 2)',
        'true',
      ),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} && ${b})`),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} || ${b})`),
      tie('expr').map((a) => `!${a}`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, b, d]) => `(${a} ? ${b} : ${d})`),
    ),
  }));
  const partial = fc.record(
    {
      uk_resident: fc.boolean(),
      sg_citizen: fc.boolean(),
      income_low: fc.boolean(),
      children: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(expr, partial, (source, known) => {
      const compiled = c.compile(source as string, { allowedFacts: allowed, resultType: 'bool' });
      const context = {
        facts: prepareFacts(known, types),
        eventDate: '2025-01-01',
        parameter: () => assert.fail(),
      };
      const fast = evaluateExpression(compiled, context);
      const traced = evaluateExpression(compiled, context, { trace: true });
      assert.equal(fast.trace, undefined);
      assert.deepEqual(fast.outcome, traced.outcome, `${source} with ${JSON.stringify(known)}`);
      // the same expression again, now recorded for another citizen: nothing leaks between runs
      assert.deepEqual(evaluateExpression(compiled, context).outcome, fast.outcome);
    }),
    { numRuns: 500 },
  );
});

test('an expression that reads event.date only to compare it with literals says which literals', () => {
  assert.deepEqual(
    compile('event.date >= "2019-01-01" && facts.uk_resident && "2016-09-01" > event.date')
      .eventDateComparedWith,
    ['2016-09-01', '2019-01-01'],
  );
  assert.deepEqual(compile('event.date == "2019-01-01" || event.date < "2019-01-01"').eventDateComparedWith, [
    '2019-01-01',
  ]);
  // read otherwise: the day itself matters
  assert.equal(compile('add_days(event.date, 1)', 'date').eventDateComparedWith, undefined);
  assert.equal(
    compile('event.date >= "2019-01-01" ? add_days(event.date, 1) : event.date', 'date')
      .eventDateComparedWith,
    undefined,
  );
  assert.equal(compile('event.date in ["2019-01-01"]').eventDateComparedWith, undefined);
  assert.equal(compile('event.date > add_days("2019-01-01", 1)').eventDateComparedWith, undefined);
  // not read at all
  assert.equal(compile('facts.uk_resident').eventDateComparedWith, undefined);
  assert.equal(compile('facts.uk_resident').readsEventDate, false);
});
