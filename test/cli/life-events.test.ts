import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { splitCsvRecord } from '../../src/cli/life-events-command.ts';
import { evaluateJourney, type Journey, loadCatalogue } from '../../src/life-events/index.ts';
import type { Facts } from '../../src/rules/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'govbridge-life-events-'));
const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test' };
const catalogue = loadCatalogue(join(ROOT, 'catalogue'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', 'life-events', ...args], {
      cwd: ROOT,
      env: { ...env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface OutService {
  id: string;
  eligibility: string;
  missing?: string[];
  deadline?: string;
  amount?: { value: number; currency: string; period: string };
}

/** What the command should print for a journey: the same decisions, in the compact bulk form. */
function expected(journey: Journey, id: string | number): Record<string, unknown> {
  const questions = journey.questions.map((q) => q.factId);
  const services: OutService[] = journey.services.map((s) => ({
    id: s.serviceId,
    eligibility: s.eligibility,
    ...(s.missing.length > 0 ? { missing: [...s.missing] } : {}),
    ...(s.deadline?.status === 'known' ? { deadline: s.deadline.date } : {}),
    ...(s.amount?.status === 'known'
      ? { amount: { value: s.amount.value, currency: s.amount.currency, period: s.amount.period } }
      : {}),
  }));
  return { id, event: journey.eventId, eventDate: journey.eventDate, services, questions };
}

const SECOND_CHILD: Facts = {
  birth_place: 'singapore',
  child_is_singapore_citizen: true,
  parents_married: true,
  child_birth_order: 2,
  lives_in_uk: false,
  adjusted_net_income: 60500.5,
};

describe('life-events evaluate', () => {
  test('JSON lines: a second child born 2025-03-01 gets what evaluateJourney gives, unknown facts stay unknown', async () => {
    const path = file(
      'baby.jsonl',
      [
        JSON.stringify({ id: 'second', eventDate: '2025-03-01', facts: SECOND_CHILD }),
        '',
        JSON.stringify({ id: 42, eventDate: '2025-03-01', facts: { birth_place: 'singapore' } }),
      ].join('\n'),
    );
    const r = await cli(['evaluate', '--event', 'having_a_baby', '--file', path]);
    assert.equal(r.code, 0, r.stderr);
    const [second, unknown] = lines(r.stdout);
    assert.deepEqual(
      second,
      expected(evaluateJourney(catalogue, 'having_a_baby', '2025-03-01', SECOND_CHILD), 'second'),
    );
    const services = (second!['services'] as OutService[]).map((s) => [s.id, s]);
    const byId = Object.fromEntries(services) as Record<string, OutService>;
    assert.deepEqual(byId['sg.baby_bonus_cash_gift']!.amount, {
      value: 11000,
      currency: 'SGD',
      period: 'once',
    });
    assert.equal(byId['sg.register_birth']!.deadline, '2025-04-12');
    assert.equal(byId['uk.child_benefit']!.eligibility, 'not_eligible');

    assert.deepEqual(
      unknown,
      expected(evaluateJourney(catalogue, 'having_a_baby', '2025-03-01', { birth_place: 'singapore' }), 42),
    );
    const cash = (unknown!['services'] as OutService[]).find((s) => s.id === 'sg.baby_bonus_cash_gift')!;
    assert.equal(cash.eligibility, 'may_be_eligible');
    assert.deepEqual(cash.missing, ['child_is_singapore_citizen', 'parents_married', 'child_birth_order']);
    assert.ok((unknown!['questions'] as string[]).includes('parents_married'));
    assert.match(r.stderr, /life-events: 2 rows, 0 invalid, [\d.]+ s, [\d,]+ rows\/s/);
  });

  test('CSV: values converted by fact type, empty cells unknown, the same result as JSON lines', async () => {
    const path = file(
      'baby.csv',
      [
        'id,eventDate,birth_place,child_is_singapore_citizen,parents_married,child_birth_order,lives_in_uk,adjusted_net_income',
        'second,2025-03-01,singapore,yes,TRUE,2,no,"£60,500.50"',
        'unknowns,2025-03-01,singapore,,,,,',
      ].join('\r\n'),
    );
    const r = await cli(['evaluate', '--event', 'having_a_baby', '--file', path]);
    assert.equal(r.code, 0, r.stderr);
    const [second, unknowns] = lines(r.stdout);
    assert.deepEqual(
      second,
      expected(evaluateJourney(catalogue, 'having_a_baby', '2025-03-01', SECOND_CHILD), 'second'),
    );
    assert.deepEqual(
      unknowns,
      expected(
        evaluateJourney(catalogue, 'having_a_baby', '2025-03-01', { birth_place: 'singapore' }),
        'unknowns',
      ),
    );
    const cash = (unknowns!['services'] as OutService[]).find((s) => s.id === 'sg.baby_bonus_cash_gift')!;
    assert.equal(cash.eligibility, 'may_be_eligible');
    assert.ok(cash.missing!.includes('parents_married'));
  });

  test('CSV quoting (RFC 4180): quotes, doubled quotes, commas and line breaks inside quotes', async () => {
    assert.deepEqual(splitCsvRecord('a,b,,c'), ['a', 'b', '', 'c']);
    assert.deepEqual(splitCsvRecord('"a,b","say ""hi""",""'), ['a,b', 'say "hi"', '']);
    assert.deepEqual(splitCsvRecord(' "x" ,y'), ['x', 'y']);
    assert.equal(splitCsvRecord('"open,b'), null, 'an open quote continues on the next line');
    assert.match(String(splitCsvRecord('"a"b,c')), /text after a closing quote/);
    assert.match(String(splitCsvRecord('a"b,c')), /quote inside an unquoted field/);

    const path = file(
      'quoted.csv',
      [
        'id,"eventDate",birth_place,child_birth_order',
        '"Tan, Mei ""May""",2025-03-01,"singapore","2"',
        '"two',
        'lines",2025-03-01,singapore,1',
        'bad"quote,2025-03-01,singapore,1',
        'after,2025-03-01,singapore,3',
      ].join('\n'),
    );
    const r = await cli(['evaluate', '--event', 'having_a_baby', '--file', path]);
    assert.equal(r.code, 3, r.stderr);
    const out = lines(r.stdout);
    assert.deepEqual(
      out.map((o) => o['id']),
      ['Tan, Mei "May"', 'two\nlines', null, 'after'],
    );
    assert.equal(out[2]!['line'], 5, 'the line the bad record starts on');
    assert.match(String(out[2]!['error']), /quote inside an unquoted field/);
  });

  test('invalid rows get a clear error in their place, the run goes on, exit 3', async () => {
    const csv = file(
      'errors.csv',
      [
        'id,eventDate,birth_place,adjusted_net_income,child_birth_order,shoe_size',
        'ok1,2025-03-01,singapore,,,',
        'baddate,2025-02-30,singapore,,,',
        'money,2025-03-01,singapore,lots,,',
        'count,2025-03-01,singapore,,2.5,',
        'column,2025-03-01,singapore,,,44',
        'short,2025-03-01',
        'ok2,2025-03-01,england_wales,,,',
      ].join('\n'),
    );
    const r = await cli(['evaluate', '--event', 'having_a_baby', '--file', csv]);
    assert.equal(r.code, 3);
    const out = lines(r.stdout);
    assert.deepEqual(
      out.map((o) => [o['id'], o['line'] ?? null, 'error' in o]),
      [
        ['ok1', null, false],
        ['baddate', 3, true],
        ['money', 4, true],
        ['count', 5, true],
        ['column', 6, true],
        ['short', 7, true],
        ['ok2', null, false],
      ],
    );
    assert.match(
      String(out[1]!['error']),
      /event date must be a real date written YYYY-MM-DD \(got "2025-02-30"\)/,
    );
    assert.match(
      String(out[2]!['error']),
      /adjusted_net_income must be an amount of money .* \(got "lots"\)/,
    );
    assert.match(String(out[3]!['error']), /child_birth_order must be a whole number \(got "2.5"\)/);
    assert.match(String(out[4]!['error']), /shoe_size is not a fact this catalogue knows/);
    assert.match(String(out[5]!['error']), /2 fields, the header has 6/);
    assert.match(r.stderr, /shoe_size is not a fact of the catalogue/);
    assert.match(r.stderr, /7 rows, 5 invalid/);
    assert.match(r.stderr, /5 rows were invalid/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');

    const jsonl = file(
      'errors.jsonl',
      [
        '{"id":"future","eventDate":"2025-06-06","facts":{"death_place":"england_wales","death_registration_date":"2999-01-01"}}',
        '{"id":"typed","eventDate":"2025-06-06","facts":{"death_place":"england_wales","deceased_was_cpf_member":"yes"}}',
        '{"id":"unknown","eventDate":"2025-06-06","facts":{"shoe_size":44}}',
        '{not json',
        '["an array"]',
        '{"eventDate":"2025-06-06"}',
        '{"id":"nodate"}',
        '{"id":"fine","eventDate":"2025-06-06","facts":{"death_place":"england_wales","death_registration_date":"2025-06-09"}}',
      ].join('\n'),
    );
    const j = await cli(['evaluate', '--event', 'death_of_a_loved_one', '--file', jsonl]);
    assert.equal(j.code, 3, j.stderr);
    const jout = lines(j.stdout);
    assert.equal(jout.length, 8);
    assert.match(String(jout[0]!['error']), /death_registration_date must not be in the future/);
    assert.match(String(jout[1]!['error']), /must be true or false/);
    assert.match(String(jout[2]!['error']), /shoe_size is not a fact this catalogue knows/);
    assert.match(String(jout[3]!['error']), /Not valid JSON/);
    assert.match(String(jout[4]!['error']), /one JSON object/);
    assert.match(String(jout[5]!['error']), /"id" is missing/);
    assert.match(String(jout[6]!['error']), /event date is missing/);
    assert.equal(jout[7]!['id'], 'fine');
    const tellUsOnce = (jout[7]!['services'] as OutService[]).find((s) => s.id === 'uk.tell_us_once')!;
    assert.equal(tellUsOnce.deadline, '2025-07-07');
  });

  test('usage errors exit 2: unknown event (listing the known ones), missing file, unknown format', async () => {
    const path = file('one.jsonl', '{"id":"a","eventDate":"2025-03-01","facts":{}}\n');
    const event = await cli(['evaluate', '--event', 'having_twins', '--file', path]);
    assert.equal(event.code, 2);
    assert.match(
      event.stderr,
      /There is no life event "having_twins"\. Known events: death_of_a_loved_one, having_a_baby, moving_singapore_to_uk, moving_uk_to_singapore/,
    );
    const missing = await cli(['evaluate', '--event', 'having_a_baby', '--file', join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read .*nope\.csv: no such file/);
    const format = await cli(['evaluate', '--event', 'having_a_baby', '--file', file('facts.txt', 'x')]);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /Cannot tell the format .* use --format csv\|jsonl/);
    const badFormat = await cli(['evaluate', '--event', 'having_a_baby', '--file', path, '--format', 'xml']);
    assert.equal(badFormat.code, 2);
    const stdin = await cli(['evaluate', '--event', 'having_a_baby', '--file', '-']);
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /--format csv\|jsonl is required when reading stdin/);
    const header = await cli(['evaluate', '--event', 'having_a_baby', '--file', '-', '--format', 'csv'], {
      stdin: 'id,date\na,2025-03-01\n',
    });
    assert.equal(header.code, 2);
    assert.match(header.stderr, /must have the columns id and eventDate/);
    for (const r of [event, missing, format, badFormat, stdin, header]) {
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('--explain adds the plain-words lines; --date-field, --out and --progress', async () => {
    const path = file(
      'explain.jsonl',
      `${JSON.stringify({ id: 'second', born: '2025-03-01', facts: SECOND_CHILD })}\n`,
    );
    const out = join(dir, 'explained.jsonl');
    const r = await cli([
      'evaluate',
      '--event',
      'having_a_baby',
      '--file',
      path,
      '--date-field',
      'born',
      '--explain',
      '--out',
      out,
      '--progress',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const [result] = lines(readFileSync(out, 'utf8'));
    const journey = evaluateJourney(catalogue, 'having_a_baby', '2025-03-01', SECOND_CHILD);
    assert.deepEqual(
      result!['explanation'],
      journey.services.flatMap((s) => s.explanation),
    );
    const { explanation: _, ...rest } = result!;
    assert.deepEqual(rest, expected(journey, 'second'));
    assert.ok((result!['explanation'] as string[]).some((l) => /Baby Bonus/.test(l) && /11,000/.test(l)));
    assert.match(r.stderr, /life-events: 1 rows, 0 invalid/);
  });

  test('streams 200,000 rows from stdin, one output line each, in order', async () => {
    const N = 200_000;
    const child = spawn(
      process.execPath,
      [
        'src/cli/main.ts',
        'life-events',
        'evaluate',
        '--event',
        'moving_uk_to_singapore',
        '--file',
        '-',
        '--format',
        'jsonl',
      ],
      { cwd: ROOT, env },
    );
    let count = 0;
    let last = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) count++;
      last = (last + d).slice(-4000);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const statuses = ['citizen', 'permanent_resident', 'foreigner'];
    for (let i = 0; i < N; i += 1000) {
      let chunk = '';
      for (let k = i; k < i + 1000; k++) {
        const day = String(1 + (k % 28)).padStart(2, '0');
        chunk += `{"id":${k},"eventDate":"2025-02-${day}","facts":{"singapore_residency_status":"${statuses[k % 3]}","lived_and_worked_in_uk":${k % 2 === 0},"monthly_fixed_salary_sgd":${4000 + (k % 5000)}}}\n`;
      }
      if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
    }
    child.stdin.end();
    assert.equal(await closed, 0, stderr);
    assert.equal(count, N);
    assert.match(last, new RegExp(`\\n\\{"id":${N - 1},"event":"moving_uk_to_singapore"[^\\n]*\\}\\n$`));
    assert.match(stderr, /200,000 rows, 0 invalid/);
  });
});

describe('life-events cases', () => {
  test('runs the catalogue rule cases: exit 0 when all pass', async () => {
    const r = await cli(['cases']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${catalogue.cases.length} rule cases: all pass\\n$`));
  });

  test('prints each failure and exits 1; a broken catalogue exits 1 with its reason', async () => {
    const copy = join(dir, 'catalogue');
    cpSync(join(ROOT, 'catalogue'), copy, { recursive: true });
    const cases = join(copy, 'cases', 'having-a-baby.yaml');
    writeFileSync(
      cases,
      readFileSync(cases, 'utf8').replace(
        'sg.baby_bonus_cash_gift: { eligible: true, amount: 11000 }',
        'sg.baby_bonus_cash_gift: { eligible: true, amount: 11001 }',
      ),
    );
    const failing = await cli(['cases'], { env: { GOVBRIDGE_CATALOGUE_DIR: copy } });
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stdout, /sg\.baby_bonus_cash_gift: amount expected 11001, got 11000/);
    assert.match(failing.stdout, /rule cases: 1 failure\n$/);

    writeFileSync(join(copy, 'facts.yaml'), 'parents_married:\n  type: maybe\n');
    const broken = await cli(['cases'], { env: { GOVBRIDGE_CATALOGUE_DIR: copy } });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /facts\.yaml/);
    assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');
    const evaluate = await cli(['evaluate', '--event', 'having_a_baby', '--file', '-', '--format', 'csv'], {
      env: { GOVBRIDGE_CATALOGUE_DIR: copy },
    });
    assert.equal(evaluate.code, 1);
  });
});
