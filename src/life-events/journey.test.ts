import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GovbridgeError } from '../kernel/index.ts';
import {
  type CitizenInput,
  evaluateBulk,
  evaluateJourney,
  evaluateMany,
  formatCaseFailure,
  loadCatalogue,
  parameterOn,
  runCases,
} from './index.ts';
import { writeCatalogue } from './test-fixtures.ts';

const catalogue = loadCatalogue(writeCatalogue());
const rate = (date: string) => parameterOn(catalogue.parameters.get('uk.child_benefit.eldest')!, date);
const parent = {
  lives_in_uk: true,
  responsible_for_child: true,
  child_birth_order: 1,
  birth_place: 'england_wales',
};

test('parameters are resolved for the event date; announced values count once their date has come', () => {
  assert.equal(rate('2024-04-06').value, 25.6);
  assert.equal(rate('2025-04-05').value, 25.6);
  assert.deepEqual(rate('2025-04-06'), {
    id: 'uk.child_benefit.eldest',
    value: 26.05,
    from: '2025-04-06',
    reference: 'https://www.gov.uk/child-benefit-rates',
    note: '2025/26 rate',
  });
  assert.deepEqual(
    { ...rate('2026-04-06') },
    {
      id: 'uk.child_benefit.eldest',
      value: 27.05,
      from: '2026-04-06',
      reference: 'https://www.theyworkforyou.com/wms/?id=2025-11-26.hcws1100.0',
      expected: true,
    },
  );
  // before the first value: a clear, exposed error naming the first date
  assert.throws(
    () => rate('2024-04-05'),
    (e: unknown) =>
      e instanceof GovbridgeError &&
      e.code === 'bad_request' &&
      e.expose &&
      /before 2024-04-06/.test(e.message),
  );
});

test('a journey for an event in 2024 uses the 2024 values; in 2025 the 2025 values', () => {
  const in2024 = evaluateJourney(catalogue, 'having-a-baby', '2024-05-01', parent).services[0]!;
  const in2025 = evaluateJourney(catalogue, 'having-a-baby', '2025-05-01', parent).services[0]!;
  assert.deepEqual(in2024.amount, {
    status: 'known',
    value: 25.6,
    currency: 'GBP',
    period: 'week',
    description: 'The weekly rate for this child.',
  });
  assert.equal(in2025.amount?.status === 'known' && in2025.amount.value, 26.05);
  assert.equal(in2024.trace.amount?.parameters[0]?.from, '2024-04-06');
  // deadline across a month end: 30 November + 3 months = 28 February (29 in a leap year)
  const nov = evaluateJourney(catalogue, 'having-a-baby', '2024-11-30', parent).services[0]!;
  assert.deepEqual(nov.deadline, {
    status: 'known',
    date: '2025-02-28',
    description: 'Claims are backdated up to 3 months.',
  });
  const nov2023 = evaluateJourney(catalogue, 'having-a-baby', '2025-11-30', parent).services[0]!;
  assert.equal(nov2023.deadline?.status === 'known' && nov2023.deadline.date, '2026-02-28');
  // an event before the catalogue's first values: that service is outside the rules, named with the
  // date the rules start; the journey is still worked out
  const early = evaluateJourney(catalogue, 'having-a-baby', '2020-01-01', parent).services[0]!;
  assert.equal(early.eligibility, 'outside_rules');
  assert.equal(early.rulesFrom, '2024-04-06');
  assert.deepEqual(early.missing, []);
  assert.equal(early.deadline, undefined);
  assert.equal(early.amount, undefined);
  assert.deepEqual(early.trace, {});
  assert.match(
    early.explanation.join(' '),
    /Not known — we hold rules for “Claim Child Benefit” from 6 April 2024: your date, 1 January 2020, is before that\./,
  );
});

test('decisions explain themselves in words and in a trace', () => {
  const journey = evaluateJourney(catalogue, 'having-a-baby', '2025-05-01', parent);
  const [cb, sg] = journey.services;
  assert.equal(cb!.eligibility, 'eligible');
  assert.match(
    cb!.explanation[0]!,
    /^Eligible for “Claim Child Benefit” because of your answers: “Do you live in the UK\?” yes/,
  );
  assert.match(
    cb!.explanation.join(' '),
    /Amount: £26\.05 a week\..*Child Benefit weekly rate for the eldest or only child: £26\.05 a week from 6 April 2025 \(source: https:\/\/www\.gov\.uk\/child-benefit-rates\)/,
  );
  assert.match(cb!.explanation.join(' '), /Deadline: 1 August 2025\./);
  assert.deepEqual(
    cb!.trace.eligibility!.facts.map((f) => f.id),
    ['lives_in_uk', 'responsible_for_child'],
  );
  assert.equal(cb!.trace.eligibility!.expression, 'facts.lives_in_uk && facts.responsible_for_child');
  assert.equal(sg!.eligibility, 'not_eligible');
  assert.equal(sg!.deadline, undefined);
  assert.match(
    sg!.explanation[0]!,
    /Not eligible for “Register the birth in Singapore” because of your answers: “Where was the baby born\?” England or Wales/,
  );
  assert.deepEqual(journey.questions, []);
  // an announced value, once its date has come, says so
  const in2026 = evaluateJourney(catalogue, 'having-a-baby', '2026-05-01', parent).services[0]!;
  assert.match(
    in2026.explanation.join(' '),
    /£27\.05 a week from 6 April 2026, as announced \(source: https:\/\/www\.theyworkforyou\.com/,
  );
  assert.equal(in2026.trace.amount?.parameters[0]?.expected, true);
  // the JSON of a journey is plain data (no BigInt, no functions)
  assert.doesNotThrow(() => JSON.stringify(journey));
});

test('unknown facts become questions, once each, in journey order', () => {
  const journey = evaluateJourney(catalogue, 'having-a-baby', '2025-05-01', { responsible_for_child: true });
  const [cb, sg] = journey.services;
  assert.equal(cb!.eligibility, 'may_be_eligible');
  assert.deepEqual(cb!.missing, ['lives_in_uk', 'child_birth_order']);
  assert.deepEqual(cb!.deadline, {
    status: 'known',
    date: '2025-08-01',
    description: 'Claims are backdated up to 3 months.',
  });
  assert.deepEqual(cb!.amount?.status, 'unknown');
  assert.match(
    cb!.explanation[0]!,
    /You may be eligible for “Claim Child Benefit” — we need to know: “Do you live in the UK\?”; “Which child is this in your family\?”/,
  );
  assert.deepEqual(sg!.missing, ['birth_place']);
  assert.deepEqual(
    journey.questions.map((q) => [q.factId, q.neededBy]),
    [
      ['lives_in_uk', ['uk.child_benefit']],
      ['child_birth_order', ['uk.child_benefit']],
      ['birth_place', ['sg.register_birth']],
    ],
  );
  assert.deepEqual(
    journey.questions[2]!.options?.map((o) => o.value),
    ['england_wales', 'singapore'],
  );
  // short-circuit: not living in the UK decides, whatever else is unknown
  const abroad = evaluateJourney(catalogue, 'having-a-baby', '2025-05-01', { lives_in_uk: false });
  assert.equal(abroad.services[0]!.eligibility, 'not_eligible');
  assert.deepEqual(abroad.services[0]!.missing, []);
});

test('answers are validated against the catalogue; unknown events and bad dates are refused', () => {
  const bad = (facts: Record<string, string | number | boolean>, re: RegExp, today?: string) =>
    assert.throws(
      () => evaluateJourney(catalogue, 'having-a-baby', '2025-05-01', facts, today ? { today } : {}),
      (e: unknown) => e instanceof GovbridgeError && e.code === 'bad_request' && re.test(e.message),
    );
  bad({ child_birth_order: 1.5 }, /child_birth_order must be a whole number/);
  bad({ child_birth_order: 0 }, /must be at least 1/);
  bad({ lives_in_uk: 'yes' }, /lives_in_uk must be true or false/);
  bad({ birth_place: 'mars' }, /must be one of england_wales, singapore/);
  bad({ parent_birthdate: '1990-02-30' }, /real date/);
  bad({ parent_birthdate: '2030-01-01' }, /must not be in the future/, '2025-06-01');
  bad({ shoe_size: 9 }, /shoe_size is not a fact this catalogue knows/);
  assert.throws(
    () => evaluateJourney(catalogue, 'winning-the-lottery', '2025-05-01', {}),
    (e: unknown) => e instanceof GovbridgeError && e.code === 'not_found',
  );
  assert.throws(() => evaluateJourney(catalogue, 'having-a-baby', '1 May 2025', {}), /YYYY-MM-DD/);
});

test('rule cases pass, and a wrong expectation is reported with its source', () => {
  assert.deepEqual(runCases(catalogue), []);
  const wrong = loadCatalogue(
    writeCatalogue({
      'cases/wrong.yaml': `
- name: Wrong amount and deadline
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2025-05-01
  facts: { lives_in_uk: true, responsible_for_child: true, child_birth_order: 1 }
  expect:
    uk.child_benefit: { eligible: true, amount: 25.60, deadline: 2025-08-02 }
    sg.register_birth: { eligible: false }
`,
    }),
  );
  const failures = runCases(wrong);
  assert.deepEqual(
    failures.map((f) => [f.file, f.service, f.field]),
    [
      ['cases/wrong.yaml', 'uk.child_benefit', 'amount'],
      ['cases/wrong.yaml', 'uk.child_benefit', 'deadline'],
      ['cases/wrong.yaml', 'sg.register_birth', 'eligible'],
    ],
  );
  assert.match(
    formatCaseFailure(failures[0]!),
    /amount expected 25\.6, got 26\.05 \(source: https:\/\/www\.gov\.uk\/child-benefit\)/,
  );
});

test('outside the rules: a case must expect it with the date, and a case expecting it fails when it is not', () => {
  const cases = loadCatalogue(
    writeCatalogue({
      'cases/early.yaml': `
- name: Born before the rules (expected as such)
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2020-01-01
  facts: { lives_in_uk: true, responsible_for_child: true, child_birth_order: 1 }
  expect:
    uk.child_benefit: { eligible: unknown, rulesFrom: 2024-04-06 }
- name: Born before the rules (expected as "may be")
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2020-01-01
  facts: { lives_in_uk: true, responsible_for_child: true, child_birth_order: 1 }
  expect:
    uk.child_benefit: { eligible: unknown, missing: [] }
- name: Inside the rules, wrongly expected outside
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2025-05-01
  facts: { lives_in_uk: true, responsible_for_child: true, child_birth_order: 1 }
  expect:
    uk.child_benefit: { eligible: true, rulesFrom: 2024-04-06 }
`,
    }),
  );
  assert.deepEqual(
    runCases(
      cases,
      cases.cases.filter((c) => c.file === 'cases/early.yaml'),
    ).map((f) => [f.index, f.field, f.actual]),
    [
      [1, 'rulesFrom', '2024-04-06'],
      [2, 'rulesFrom', undefined],
    ],
  );
});

test('bulk evaluation: a citizen whose date is before a service’s rules gets outside_rules for it, like a journey', () => {
  const [early, late] = [
    ...evaluateMany(catalogue, 'having-a-baby', [
      { eventDate: '2020-01-01', facts: { ...parent, birth_place: 'singapore' } },
      { eventDate: '2025-05-01', facts: parent },
    ]),
  ];
  assert.deepEqual(early, {
    index: 0,
    services: [
      { serviceId: 'uk.child_benefit', eligibility: 'outside_rules', missing: [], rulesFrom: '2024-04-06' },
      { serviceId: 'sg.register_birth', eligibility: 'outside_rules', missing: [], rulesFrom: '2024-04-06' },
    ],
  });
  assert.ok(late && 'services' in late && late.services[0]!.eligibility === 'eligible');
});

test('bulk evaluation streams one result per citizen, without traces, and isolates bad input', async () => {
  function* citizens(n: number): Generator<CitizenInput> {
    for (let i = 0; i < n; i++) {
      yield {
        eventDate: i % 2 ? '2024-05-01' : '2025-05-01',
        facts: { lives_in_uk: i % 3 !== 0, responsible_for_child: true, child_birth_order: 1 + (i % 3) },
      };
    }
    yield { eventDate: '2025-05-01', facts: { child_birth_order: -1 } };
  }
  const results = [...evaluateMany(catalogue, 'having-a-baby', citizens(6))];
  assert.equal(results.length, 7);
  const first = results[1]!;
  assert.ok('services' in first);
  assert.deepEqual(first.services[0], {
    serviceId: 'uk.child_benefit',
    eligibility: 'eligible',
    missing: [],
    deadline: { status: 'known', date: '2024-08-01', description: 'Claims are backdated up to 3 months.' },
    amount: {
      status: 'known',
      value: 16.95,
      currency: 'GBP',
      period: 'week',
      description: 'The weekly rate for this child.',
    },
  });
  assert.ok('services' in results[0]! && results[0].services[0]!.eligibility === 'not_eligible');
  assert.ok('error' in results[6]! && /at least 1/.test(results[6].error));
  let count = 0;
  for await (const r of evaluateBulk(catalogue, 'having-a-baby', citizens(100))) {
    assert.equal(r.index, count++);
  }
  assert.equal(count, 101);
});

test('money results are stated to the penny (no floating-point tails)', async () => {
  const { toMinorUnit } = await import('./evaluate-journey.ts');
  assert.equal(toMinorUnit(0.33899999999999997), 0.34);
  assert.equal(toMinorUnit(0.1 + 0.2), 0.3);
  assert.equal(toMinorUnit(13.025), 13.03);
  assert.equal(toMinorUnit(-1.005), -1.01);
  assert.equal(toMinorUnit(11000), 11000);
});

test('bulk evaluation, with its memo, decides for each citizen exactly as a journey does', () => {
  const real = loadCatalogue(new URL('../../catalogue/', import.meta.url).pathname);
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const day = (from: number, days: number) =>
    new Date(from + Math.floor(random() * days) * 86_400_000).toISOString().slice(0, 10);
  for (const event of real.events.values()) {
    const factIds = [...new Set(event.services.flatMap((id) => real.services.get(id)!.facts))];
    const citizens: CitizenInput[] = [];
    for (let i = 0; i < 3000; i++) {
      const facts: Record<string, string | number | boolean> = {};
      for (const id of factIds) {
        if (random() < 0.3) continue; // unknown
        const fact = real.facts.get(id)!;
        if (fact.type === 'boolean') facts[id] = random() < 0.5;
        else if (fact.type === 'enum') facts[id] = pick(fact.options!).value;
        else if (fact.type === 'integer') facts[id] = (fact.min ?? 0) + Math.floor(random() * 6);
        else if (fact.type === 'money') facts[id] = Math.round(random() * 150_000) / 100;
        else if (fact.type === 'date') facts[id] = day(Date.UTC(1950, 0, 1), 27_000);
        else facts[id] = 'An answer';
      }
      // event dates from 2019 (before some series begin: those services outside the rules) to 2026
      citizens.push({ eventDate: day(Date.UTC(2019, 0, 1), 8 * 365), facts });
    }
    const results = [...evaluateMany(real, event.id, citizens)];
    let errors = 0;
    results.forEach((result, i) => {
      const c = citizens[i]!;
      let journey: ReturnType<typeof evaluateJourney> | undefined;
      let error: string | undefined;
      try {
        journey = evaluateJourney(real, event.id, c.eventDate, c.facts);
      } catch (e) {
        assert.ok(e instanceof GovbridgeError && e.expose, String(e));
        error = e.message;
      }
      if (error !== undefined) {
        errors++;
        assert.deepEqual(result, { index: i, error }, `${event.id} citizen ${i}`);
        return;
      }
      assert.deepEqual(
        result,
        {
          index: i,
          services: journey!.services.map((s) => ({
            serviceId: s.serviceId,
            eligibility: s.eligibility,
            missing: s.missing,
            ...(s.rulesFrom !== undefined ? { rulesFrom: s.rulesFrom } : {}),
            ...(s.deadline ? { deadline: s.deadline } : {}),
            ...(s.amount ? { amount: s.amount } : {}),
          })),
        },
        `${event.id} citizen ${i}: ${JSON.stringify(c)}`,
      );
    });
    assert.ok(errors < results.length, event.id);
  }
});

test('bulk evaluation decides as a journey does on the dates where rules change (date guards, first values of parameters)', () => {
  const real = loadCatalogue(new URL('../../catalogue/', import.meta.url).pathname);
  const shift = (date: string, days: number) =>
    new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let guards = 0;
  for (const event of real.events.values()) {
    const services = event.services.map((id) => real.services.get(id)!);
    const rules = services.flatMap((s) => [s.rules.eligibility, s.rules.deadline, s.rules.amount]);
    const edges = new Set<string>();
    for (const rule of rules) {
      for (const literal of rule?.eventDateComparedWith ?? []) {
        guards++;
        edges.add(literal);
      }
      for (const id of rule?.parameters ?? []) {
        for (const point of real.parameters.get(id)!.series) edges.add(point.from);
      }
    }
    const dates = [...edges].flatMap((d) => [shift(d, -1), d, shift(d, 1)]).filter((d) => d >= '1900-01-01');
    const factIds = [...new Set(services.flatMap((s) => s.facts))];
    const citizens: CitizenInput[] = [];
    // each date three times, with different answers, then all of them again: the memo's hits too
    for (let round = 0; round < 6; round++) {
      for (const eventDate of dates) {
        const facts: Record<string, string | number | boolean> = {};
        for (const id of factIds) {
          if (random() < 0.2) continue;
          const fact = real.facts.get(id)!;
          if (fact.type === 'boolean') facts[id] = random() < 0.5;
          else if (fact.type === 'enum')
            facts[id] = fact.options![Math.floor(random() * fact.options!.length)]!.value;
          else if (fact.type === 'integer') facts[id] = (fact.min ?? 0) + Math.floor(random() * 6);
          else if (fact.type === 'money') facts[id] = Math.round(random() * 150_000) / 100;
          else if (fact.type === 'date') facts[id] = shift('1950-01-01', Math.floor(random() * 27_000));
          else facts[id] = 'An answer';
        }
        citizens.push({ eventDate, facts });
      }
    }
    const results = [...evaluateMany(real, event.id, citizens)];
    results.forEach((result, i) => {
      const c = citizens[i]!;
      let expected: unknown;
      try {
        const journey = evaluateJourney(real, event.id, c.eventDate, c.facts);
        expected = {
          index: i,
          services: journey.services.map((s) => ({
            serviceId: s.serviceId,
            eligibility: s.eligibility,
            missing: s.missing,
            ...(s.rulesFrom !== undefined ? { rulesFrom: s.rulesFrom } : {}),
            ...(s.deadline ? { deadline: s.deadline } : {}),
            ...(s.amount ? { amount: s.amount } : {}),
          })),
        };
      } catch (e) {
        assert.ok(e instanceof GovbridgeError && e.expose, String(e));
        expected = { index: i, error: e.message };
      }
      assert.deepEqual(result, expected, `${event.id} citizen ${i}: ${JSON.stringify(c)}`);
    });
  }
  assert.ok(guards > 0, 'the catalogue has date guards');
});
