import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { GovbridgeError } from '../kernel/index.ts';
import { formatCaseFailure, loadCatalogue, runCases } from './index.ts';
import { FIXTURE, writeCatalogue } from './test-fixtures.ts';

/** The lines of the `catalogue_invalid` error for the fixture with `changes`. */
function problems(changes: Record<string, string | null>, claims?: ReadonlySet<string>): string[] {
  try {
    loadCatalogue(writeCatalogue(changes), claims ? { claims } : {});
  } catch (error) {
    assert.ok(error instanceof GovbridgeError && error.code === 'catalogue_invalid', String(error));
    assert.equal(error.expose, false);
    const lines = error.message.split('\n  - ').slice(1);
    assert.equal(lines.length, (error.detail?.['problems'] as unknown[] | undefined)?.length);
    return lines;
  }
  assert.fail('the catalogue loaded');
}
const edit = (file: string, from: string, to: string) => {
  const text = FIXTURE[file]!;
  assert.ok(text.includes(from), `${file} has ${from}`);
  return { [file]: text.replace(from, to) };
};
const CB = 'services/uk.child_benefit.yaml';
const PUK = 'parameters/uk.yaml';

test('the fixture catalogue loads', () => {
  const c = loadCatalogue(writeCatalogue());
  assert.deepEqual([...c.events.keys()], ['having-a-baby']);
  assert.equal(c.services.get('uk.child_benefit')!.rules.amount?.parameters.length, 2);
  assert.equal(c.parameters.get('uk.child_benefit.backdate_months')!.kind, 'int');
  assert.equal(c.parameters.get('uk.hicbc.threshold')!.kind, 'double');
  assert.equal(c.cases.length, 2);
});

test('YAML errors name the file and the line', () => {
  assert.deepEqual(problems({ 'agencies.yaml': '- { id: hmrc, country: GB' }).length, 1);
  assert.match(
    problems({ 'agencies.yaml': '- { id: hmrc, country: GB' })[0]!,
    /^agencies\.yaml: line \d+, column \d+: /,
  );
  assert.match(
    problems({
      'facts.yaml': `${FIXTURE['facts.yaml']}\nlives_in_uk: { type: boolean, question: Again? }\n`,
    }).join('\n'),
    /facts\.yaml: line \d+, column \d+: Map keys must be unique/,
  );
});

test('schema errors name file, path and reason', () => {
  const lines = problems({
    ...edit('agencies.yaml', 'country: GB', 'country: UK'),
    ...edit('facts.yaml', 'type: money', 'type: currency'),
    ...edit(
      CB,
      'url: https://www.gov.uk/child-benefit',
      'url: http://www.gov.uk/child-benefit\ncolour: blue',
    ),
    ...edit(PUK, 'from: 2025-04-06, value: 26.05', 'from: 2025-02-30, value: 26.05'),
    ...edit('events/having-a-baby.yaml', 'name: Having a baby\n', ''),
  });
  assert.deepEqual(lines.sort(), [
    'agencies.yaml: [0].country: unknown country "UK" (expected GB or SG)',
    'events/having-a-baby.yaml: name: Invalid input: expected string, received undefined',
    'facts.yaml: adjusted_net_income.type: unknown fact type "currency" (expected one of date, boolean, integer, money, enum, string)',
    'parameters/uk.yaml: ["uk.child_benefit.eldest"].values[1].from: must be a real date written YYYY-MM-DD',
    'services/uk.child_benefit.yaml: Unrecognized key: "colour"',
    'services/uk.child_benefit.yaml: url: must be an https URL',
  ]);
});

test('facts: options, ranges, notFuture and verified claims are consistent', () => {
  const lines = problems(
    {
      'facts.yaml': `
lives_in_uk: { type: boolean, question: Q?, options: [{ value: yes, text: Yes }], notFuture: true }
responsible_for_child: { type: boolean, question: Q?, min: 1 }
child_birth_order: { type: integer, question: Q?, min: 5, max: 1 }
adjusted_net_income: { type: money, question: Q? }
birth_place: { type: enum, question: Q? }
colour: { type: enum, question: Q?, options: [{ value: red, text: Red }, { value: red, text: Rouge }] }
parent_birthdate: { type: date, question: Q?, verifiedFrom: favourite_colour }
`,
      'cases/having-a-baby.yaml': null,
    },
    new Set(['name', 'birthdate']),
  );
  assert.deepEqual(lines, [
    'facts.yaml: lives_in_uk.options: only enum facts have options (this one is boolean)',
    'facts.yaml: lives_in_uk.notFuture: only date facts can be notFuture (this one is boolean)',
    'facts.yaml: responsible_for_child.min: only integer and money facts have min (this one is boolean)',
    'facts.yaml: child_birth_order.max: is less than min (5)',
    'facts.yaml: birth_place.options: an enum fact needs options',
    'facts.yaml: colour.options[1].value: duplicate option "red"',
    'facts.yaml: parent_birthdate.verifiedFrom: unknown common claim "favourite_colour"',
  ]);
});

test('parameters: sorted series, one value per date, announced values later, types that fit the unit', () => {
  const lines = problems({
    [PUK]: `
uk.child_benefit.eldest:
  description: Rate
  unit: GBP/week
  values:
    - { from: 2025-04-06, value: 26.05, reference: "https://www.gov.uk/a" }
    - { from: 2024-04-06, value: 25.60, reference: "https://www.gov.uk/a" }
  expected:
    - { from: 2025-01-01, value: 27.05, reference: "https://www.gov.uk/a" }
uk.child_benefit.additional:
  description: Rate
  unit: GBP/week
  values:
    - { from: 2024-04-06, value: 16.95, reference: "https://www.gov.uk/a" }
    - { from: 2024-04-06, value: 17.25, reference: "http://www.gov.uk/a" }
uk.child_benefit.backdate_months:
  description: Months
  unit: months
  values:
    - { from: 2024-04-06, value: 3.5, reference: "https://www.gov.uk/a" }
uk.hicbc.threshold:
  description: Threshold
  unit: GBP
  values:
    - { from: 2024-04-06, value: 60000, reference: "https://www.gov.uk/a" }
    - { from: 2025-04-06, value: "sixty thousand", reference: "https://www.gov.uk/a" }
`,
    'parameters/zz.yaml': `
uk.hicbc.threshold:
  description: Again
  unit: GBP
  values: [{ from: 2024-04-06, value: 1, reference: "https://www.gov.uk/a" }]
`,
  });
  assert.ok(
    lines.includes(
      'parameters/uk.yaml: ["uk.child_benefit.additional"].values[1].reference: must be an https URL',
    ),
    lines.join('\n'),
  );
  // the schema error stops that file; fix the URL to see the series rules
  const series = problems({
    [PUK]: `
uk.child_benefit.eldest:
  description: Rate
  unit: GBP/week
  values:
    - { from: 2025-04-06, value: 26.05, reference: "https://www.gov.uk/a" }
    - { from: 2024-04-06, value: 25.60, reference: "https://www.gov.uk/a" }
  expected:
    - { from: 2024-01-01, value: 27.05, reference: "https://www.gov.uk/a" }
uk.child_benefit.additional:
  description: Rate
  unit: GBP/week
  values:
    - { from: 2024-04-06, value: 16.95, reference: "https://www.gov.uk/a" }
    - { from: 2024-04-06, value: 17.25, reference: "https://www.gov.uk/a" }
uk.child_benefit.backdate_months:
  description: Months
  unit: months
  values:
    - { from: 2024-04-06, value: 3.5, reference: "https://www.gov.uk/a" }
uk.hicbc.threshold:
  description: Threshold
  unit: GBP
  values:
    - { from: 2024-04-06, value: 60000, reference: "https://www.gov.uk/a" }
    - { from: 2025-04-06, value: "sixty thousand", reference: "https://www.gov.uk/a" }
sg.birth_registration.days:
  description: Again
  unit: days
  values: [{ from: 2024-04-06, value: 42, reference: "https://www.gov.uk/a" }]
`,
  });
  for (const expected of [
    'parameters/uk.yaml: ["uk.child_benefit.eldest"].values[1].from: 2024-04-06 comes before 2025-04-06; list values oldest first',
    'parameters/uk.yaml: ["uk.child_benefit.eldest"].expected[0].from: 2024-01-01 comes before 2024-04-06; list values oldest first',
    'parameters/uk.yaml: ["uk.child_benefit.additional"].values[1].from: 2024-04-06 appears twice; a series has one value per date',
    'parameters/uk.yaml: ["uk.child_benefit.backdate_months"].values: unit months needs whole numbers',
    'parameters/uk.yaml: ["uk.hicbc.threshold"].values: mixes value types (number, string); every value must have the same type',
    'parameters/uk.yaml: ["sg.birth_registration.days"]: duplicate parameter id (also in parameters/sg.yaml)',
  ]) {
    assert.ok(series.includes(expected), `${expected}\nnot in\n${series.join('\n')}`);
  }
  // nothing else: no cascade from the broken series into the services that read them
  assert.equal(series.length, 6, series.join('\n'));
});

test('events and services: references across files', () => {
  const lines = problems({
    'events/having-a-baby.yaml': FIXTURE['events/having-a-baby.yaml']!.replace(
      'countries: [GB, SG]\nservices: [uk.child_benefit, sg.register_birth]',
      'countries: [GB]\nservices: [uk.child_benefit, sg.register_birth, uk.child_benefit, uk.nothing]',
    ),
    'events/again.yaml': FIXTURE['events/having-a-baby.yaml']!,
    ...edit(CB, 'agency: hmrc\ncountry: GB', 'agency: ica\ncountry: GB'),
    'services/sg.register_birth.yaml': FIXTURE['services/sg.register_birth.yaml']!.replace(
      'agency: ica',
      'agency: mom',
    ).replace('facts: [birth_place]', 'facts: [birth_place, birth_place, star_sign]'),
    'services/zz.yaml': FIXTURE[CB]!,
    'cases/having-a-baby.yaml': null,
  });
  assert.deepEqual(lines.sort(), [
    'events/having-a-baby.yaml: id: duplicate event id "having-a-baby" (also in events/again.yaml)',
    'events/having-a-baby.yaml: services[1]: service "sg.register_birth" is in SG, which is not among the event\'s countries',
    'events/having-a-baby.yaml: services[2]: service "uk.child_benefit" is listed twice',
    'events/having-a-baby.yaml: services[3]: unknown service "uk.nothing"',
    'services/sg.register_birth.yaml: agency: unknown agency "mom"',
    'services/sg.register_birth.yaml: facts[1]: fact "birth_place" is listed twice',
    'services/sg.register_birth.yaml: facts[2]: unknown fact "star_sign"',
    'services/uk.child_benefit.yaml: country: is GB but agency "ica" is in SG',
    'services/zz.yaml: id: duplicate service id "uk.child_benefit" (also in services/uk.child_benefit.yaml)',
  ]);
});

test('expressions are compiled at load: undeclared facts, unknown parameters and functions, wrong types', () => {
  const lines = problems({
    ...edit(
      CB,
      'eligibility: facts.lives_in_uk && facts.responsible_for_child',
      'eligibility: facts.lives_in_uk && facts.birth_place == "x" && param("uk.nope") > 1.0',
    ),
    'services/sg.register_birth.yaml': FIXTURE['services/sg.register_birth.yaml']!.replace(
      'eligibility: facts.birth_place == "singapore"',
      'eligibility: lookup(facts.birth_place)',
    ).replace(
      'add_days(event.date, param("sg.birth_registration.days"))',
      'days_between(event.date, "2025-01-01")',
    ),
  });
  assert.deepEqual(lines.sort(), [
    "services/sg.register_birth.yaml: deadline.expression: must produce a date string 'YYYY-MM-DD' but produces int",
    "services/sg.register_birth.yaml: eligibility: column 1: found no matching overload for 'lookup(string)'",
    `${CB}: eligibility: column 22: fact "birth_place" is not listed in this service's facts`,
    `${CB}: eligibility: column 50: unknown parameter "uk.nope"`,
  ]);
});

test('cases: known events, services of the event, known and valid facts', () => {
  const lines = problems({
    'cases/bad.yaml': `
- name: Bad
  source: http://example.com
  event: having-a-baby
  eventDate: 2025-05-01
  facts: { lives_in_uk: 1 }
  expect: { uk.child_benefit: { eligible: maybe } }
- name: Worse
  source: https://www.gov.uk/child-benefit
  event: divorce
  eventDate: 2025-05-01
  facts: { star_sign: leo, child_birth_order: 0 }
  expect: {}
- name: Wrong service
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2025-05-01
  facts: {}
  expect: { uk.p85: { eligible: true }, uk.child_benefit: { eligible: true, missing: [lives_in_uk, star_sign] } }
`,
  });
  assert.deepEqual(lines, [
    'cases/bad.yaml: [0].source: must be an https URL',
    'cases/bad.yaml: [0].expect["uk.child_benefit"].eligible: must be true, false or unknown',
  ]);
  const valid = problems({
    'cases/bad.yaml': `
- name: Worse
  source: https://www.gov.uk/child-benefit
  event: divorce
  eventDate: 2025-05-01
  facts: { star_sign: leo, child_birth_order: 0, lives_in_uk: 1 }
  expect: {}
- name: Wrong service
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2025-05-01
  facts: {}
  expect: { uk.p85: { eligible: true }, uk.child_benefit: { eligible: false, missing: [lives_in_uk, star_sign] } }
`,
  });
  assert.deepEqual(valid, [
    'cases/bad.yaml: [0].event: unknown event "divorce"',
    'cases/bad.yaml: [0].facts.star_sign: unknown fact "star_sign"',
    'cases/bad.yaml: [0].facts.child_birth_order: must be at least 1',
    'cases/bad.yaml: [0].facts.lives_in_uk: must be true or false',
    'cases/bad.yaml: [0].expect: must name at least one service',
    'cases/bad.yaml: [1].expect["uk.p85"]: "uk.p85" is not a service of event "having-a-baby"',
    'cases/bad.yaml: [1].expect["uk.child_benefit"].missing[1]: unknown fact "star_sign"',
    'cases/bad.yaml: [1].expect["uk.child_benefit"].missing: a service that is not eligible has no missing facts',
  ]);
});

test('the catalogue has a version (catalogue.yaml), checked at load with a clear error', () => {
  const c = loadCatalogue(writeCatalogue());
  assert.equal(c.version, '2026-01-15.2');
  assert.equal(c.description, 'The test fixture.');
  assert.ok(Object.isFrozen(c));
  assert.deepEqual(problems({ 'catalogue.yaml': null }), [
    'catalogue.yaml: is missing: every catalogue has one, with its version (version: "2026-11-27.1")',
  ]);
  assert.deepEqual(problems({ 'catalogue.yaml': 'description: No version here\n' }), [
    'catalogue.yaml: version: is required: the catalogue\'s version, written like "2026-11-27.1"',
  ]);
  const bad = (version: string) => problems({ 'catalogue.yaml': `version: ${version}\n` });
  for (const version of ['"v1"', '"2026-11-27"', '"2026-11-27.x"', '" 2026-11-27.1"', '1.0']) {
    assert.match(bad(version).join('\n'), /^catalogue\.yaml: version: /, version);
  }
  assert.deepEqual(bad('"2026-11-27"'), [
    'catalogue.yaml: version: must look like "2026-11-27.1" (the date of the change, then a counter for that day)',
  ]);
  assert.deepEqual(bad('2026.1'), [
    'catalogue.yaml: version: must be a string in quotes, such as "2026-11-27.1"',
  ]);
  assert.deepEqual(bad('"2026-02-30.1"'), [
    'catalogue.yaml: version: must start with a real date written YYYY-MM-DD',
  ]);
  assert.deepEqual(problems({ 'catalogue.yaml': 'version: "2026-11-27.1"\nowner: me\n' }), [
    'catalogue.yaml: Unrecognized key: "owner"',
  ]);
  assert.match(
    problems({ 'catalogue.yaml': 'version: "2026-11-27.1' }).join('\n'),
    /^catalogue\.yaml: line 1/,
  );
  // a broken version is reported beside the catalogue's other problems, not instead of them
  assert.deepEqual(problems({ 'catalogue.yaml': null, 'agencies.yaml': null }).sort(), [
    'agencies.yaml: cannot be read (ENOENT)',
    'catalogue.yaml: is missing: every catalogue has one, with its version (version: "2026-11-27.1")',
  ]);
});

test('missing files and directories', () => {
  assert.deepEqual(problems({ 'agencies.yaml': null }), ['agencies.yaml: cannot be read (ENOENT)']);
  assert.throws(
    () => loadCatalogue('/nonexistent/catalogue'),
    (e: unknown) =>
      e instanceof GovbridgeError &&
      e.code === 'catalogue_invalid' &&
      /not a readable directory/.test(e.message),
  );
});

// The real catalogue, written by the data team beside the code. Whatever is there must load and every
// rule case must pass; a missing directory or one with no cases fails too, so this test cannot pass
// vacuously.
const REAL = new URL('../../catalogue/', import.meta.url).pathname;
test('the real catalogue loads and all its rule cases pass', (t) => {
  assert.ok(existsSync(REAL), `no catalogue at ${REAL}`);
  const catalogue = loadCatalogue(REAL);
  assert.match(catalogue.version, /^\d{4}-\d{2}-\d{2}\.\d+$/);
  assert.ok(catalogue.cases.length > 0, 'catalogue/cases/ has no rule cases');
  const failures = runCases(catalogue);
  assert.deepEqual(failures.map(formatCaseFailure), []);
  // Services no case exercises are reported, not failed: the data team adds cases as it goes.
  const covered = new Set(catalogue.cases.flatMap((c) => Object.keys(c.expect)));
  const uncovered = [...catalogue.services.keys()].filter((id) => !covered.has(id));
  if (uncovered.length > 0) t.diagnostic(`services without a rule case: ${uncovered.join(', ')}`);
});

test('a date parameter may shift a date by at most 100 years (dates given are bounded on that)', () => {
  const lines = problems(edit('parameters/sg.yaml', 'value: 42,', 'value: 36526,'));
  assert.deepEqual(lines, [
    'parameters/sg.yaml: ["sg.birth_registration.days"].values[0].value: 36526 days shifts a date by more than 100 years; dates given to the hub are bounded on that assumption',
  ]);
  // 100 years exactly is accepted.
  loadCatalogue(writeCatalogue(edit('parameters/sg.yaml', 'value: 42,', 'value: 36525,')));
});
