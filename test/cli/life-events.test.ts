import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { splitCsvRecord } from '../../src/cli/life-events-command.ts';
import { InputSplitter } from '../../src/cli/life-events-input.ts';
import { WorkerPool } from '../../src/cli/life-events-pool.ts';
import { ChunkEvaluator } from '../../src/cli/life-events-rows.ts';
import { evaluateJourney, type Journey, loadCatalogue } from '../../src/life-events/index.ts';
import type { Facts } from '../../src/rules/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'govbridge-life-events-'));
after(() => rmSync(dir, { recursive: true, force: true }));
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
    // Decoded as a stream: a character split between two chunks is not mangled.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
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
  rulesFrom?: string;
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
    ...(s.rulesFrom !== undefined ? { rulesFrom: s.rulesFrom } : {}),
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

  test('a birth before some services’ rules: those services outside_rules with rulesFrom, the rest worked out, as evaluateJourney', async () => {
    const path = file(
      'early.jsonl',
      `${JSON.stringify({ id: 'early', eventDate: '2021-01-01', facts: SECOND_CHILD })}\n`,
    );
    for (const threads of ['1', '2']) {
      const r = await cli(['evaluate', '--event', 'having_a_baby', '--file', path, '--threads', threads]);
      assert.equal(r.code, 0, r.stderr);
      const [early] = lines(r.stdout);
      assert.deepEqual(
        early,
        expected(evaluateJourney(catalogue, 'having_a_baby', '2021-01-01', SECOND_CHILD), 'early'),
      );
      const byId = Object.fromEntries((early!['services'] as OutService[]).map((s) => [s.id, s]));
      assert.deepEqual(byId['sg.register_birth'], {
        id: 'sg.register_birth',
        eligibility: 'outside_rules',
        rulesFrom: '2022-05-29',
      });
      assert.deepEqual(byId['sg.baby_bonus_cash_gift']!.amount, {
        value: 8000,
        currency: 'SGD',
        period: 'once',
      });
      assert.match(r.stderr, /1 rows, 0 invalid/);
    }
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
      /There is no life event "having_twins"\. Known events: death_of_a_loved_one, having_a_baby, moving_singapore_to_uk, moving_uk_to_singapore, retiring_singapore_to_uk, retiring_uk_to_singapore, starting_a_business_singapore_to_uk, starting_a_business_uk_to_singapore/,
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

describe('life-events evaluate on worker threads', () => {
  /** JSON lines for a death, about 2.6 MB (ten chunks or so): valid rows, invalid rows, blank lines. */
  function deathsFile(): { path: string; ids: (string | null)[]; bad: Map<number, RegExp> } {
    const places = ['england_wales', 'scotland', 'singapore', 'northern_ireland', 'elsewhere'];
    const lines: string[] = [];
    const ids: (string | null)[] = [];
    const bad = new Map<number, RegExp>();
    for (let i = 0; i < 9000; i++) {
      const line = lines.length + 1;
      const day = String(1 + (i % 28)).padStart(2, '0');
      const facts: Record<string, unknown> = {
        death_place: places[i % places.length],
        deceased_was_cpf_member: i % 3 === 0,
        relationship_to_deceased: 'spouse_or_civil_partner',
      };
      if (i % 4 !== 0) facts['death_registration_date'] = `2025-06-${day}`;
      if (i % 997 === 5) {
        lines.push('{"id": "broken", "eventDate": ');
        ids.push(null);
        bad.set(line, /Not valid JSON/);
      } else if (i % 1201 === 7) {
        lines.push(JSON.stringify({ id: `d${i}`, eventDate: '2025-02-30', facts }));
        ids.push(`d${i}`);
        bad.set(line, /event date must be a real date/);
      } else if (i % 1499 === 11) {
        lines.push(
          JSON.stringify({
            id: `d${i}`,
            eventDate: '2025-06-01',
            facts: { ...facts, death_registration_date: '2999-01-01' },
          }),
        );
        ids.push(`d${i}`);
        bad.set(line, /death_registration_date must not be in the future/);
      } else {
        lines.push(
          JSON.stringify({ id: `d${i}`, eventDate: `2025-05-${day}`, facts, note: 'x'.repeat(i % 300) }),
        );
        ids.push(`d${i}`);
      }
      if (i % 500 === 0) lines.push('');
    }
    const path = file('deaths.jsonl', `${lines.join('\n')}\n`);
    return { path, ids, bad };
  }

  /** CSV for a birth, about 1.3 MB, CRLF: quoted ids spanning lines, quotes doubled, invalid rows. */
  function birthsCsv(): { path: string; ids: (string | null)[]; bad: Map<number, RegExp> } {
    const header =
      'id,eventDate,birth_place,child_is_singapore_citizen,parents_married,child_birth_order,lives_in_uk,adjusted_net_income';
    const rows: string[] = [header];
    let line = 2;
    const ids: (string | null)[] = [];
    const bad = new Map<number, RegExp>();
    for (let i = 0; i < 12000; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const place = i % 2 === 0 ? 'singapore' : 'england_wales';
      const tail = `2025-03-${day},${place},${i % 3 === 0 ? '' : 'yes'},true,${1 + (i % 4)},no,"£6${i % 10},500.50"`;
      if (i % 10 === 3) {
        // an id with a comma, a doubled quote and two line breaks: one record over three lines
        rows.push(`"Tan, Mei ""${i}""\r\nline two\r\nline three",${tail}`);
        ids.push(`Tan, Mei "${i}"\nline two\nline three`);
        line += 3;
      } else if (i % 1777 === 9) {
        rows.push(`short${i},2025-03-01`);
        ids.push(`short${i}`);
        bad.set(line++, /2 fields, the header has 8/);
      } else if (i % 2311 === 13) {
        rows.push(`bad"quote${i},${tail}`);
        ids.push(null);
        bad.set(line++, /quote inside an unquoted field/);
      } else {
        rows.push(`c${i},${tail}`);
        ids.push(`c${i}`);
        line++;
      }
    }
    return { path: file('births.csv', `${rows.join('\r\n')}\r\n`), ids, bad };
  }

  function checkRun(
    r: Run,
    expected: { ids: (string | null)[]; bad: Map<number, RegExp> },
    label: string,
  ): Record<string, unknown>[] {
    assert.equal(r.code, 3, `${label}: ${r.stderr}`);
    const out = lines(r.stdout);
    assert.deepEqual(
      out.map((o) => o['id']),
      expected.ids,
      `${label}: one line per row, in input order`,
    );
    const errors = out.filter((o) => 'error' in o);
    assert.deepEqual(
      errors.map((o) => o['line']),
      [...expected.bad.keys()],
      `${label}: the bad rows, with their line numbers`,
    );
    for (const o of errors) assert.match(String(o['error']), expected.bad.get(o['line'] as number)!, label);
    assert.match(
      r.stderr,
      new RegExp(`${expected.ids.length.toLocaleString('en-GB')} rows, ${expected.bad.size} invalid`),
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    return out;
  }

  test('JSON lines: the same output as one thread, in input order, bad rows with their line numbers', async () => {
    const deaths = deathsFile();
    const args = ['evaluate', '--event', 'death_of_a_loved_one', '--file', deaths.path];
    const one = await cli([...args, '--threads', '1']);
    const two = await cli([...args, '--threads', '2']);
    const three = await cli(
      ['evaluate', '--event', 'death_of_a_loved_one', '--file', '-', '--format', 'jsonl', '--threads', '3'],
      {
        stdin: readFileSync(deaths.path, 'utf8'),
      },
    );
    const out = checkRun(one, deaths, '--threads 1');
    checkRun(two, deaths, '--threads 2');
    checkRun(three, deaths, 'stdin, --threads 3');
    assert.equal(two.stdout, one.stdout, 'byte for byte');
    assert.equal(three.stdout, one.stdout, 'byte for byte');
    // and what the journey gives, for a row in the middle
    const row = out.find((o) => o['id'] === 'd4001')!;
    const facts = {
      death_place: 'scotland',
      deceased_was_cpf_member: false,
      relationship_to_deceased: 'spouse_or_civil_partner',
      death_registration_date: '2025-06-26',
    };
    assert.deepEqual(
      row,
      expected(evaluateJourney(catalogue, 'death_of_a_loved_one', '2025-05-26', facts), 'd4001'),
    );
  });

  test('CSV: records over several lines and CRLF across chunks, the same output as one thread', async () => {
    const births = birthsCsv();
    const args = ['evaluate', '--event', 'having_a_baby', '--file', births.path];
    const one = await cli([...args, '--threads', '1']);
    const two = await cli([...args, '--threads', '2']);
    checkRun(one, births, '--threads 1');
    checkRun(two, births, '--threads 2');
    assert.equal(two.stdout, one.stdout, 'byte for byte');
    const explained = await cli([...args, '--threads', '2', '--explain']);
    const explainedOne = await cli([...args, '--threads', '1', '--explain']);
    assert.equal(explained.code, 3);
    assert.equal(explained.stdout, explainedOne.stdout, '--explain: byte for byte');
    assert.ok(lines(explained.stdout).some((o) => Array.isArray(o['explanation'])));
  });

  test('a rule failing on a worker stops the run: exit 1, the line, no stack trace, the rows before it written', async () => {
    const copy = join(dir, 'failing-catalogue');
    cpSync(join(ROOT, 'catalogue'), copy, { recursive: true });
    const service = join(copy, 'services', 'uk.child_benefit.yaml');
    const source = readFileSync(service, 'utf8');
    const rule = `facts.child_birth_order == 1
    ? param("uk.child_benefit.weekly_rate.eldest")
    : param("uk.child_benefit.weekly_rate.additional")`;
    assert.ok(source.includes(rule));
    // division by zero for a fourth child: an error of the rule, not of the row
    writeFileSync(
      service,
      source.replace(
        rule,
        'double(10 / (facts.child_birth_order - 4)) + param("uk.child_benefit.weekly_rate.eldest")',
      ),
    );
    const rows: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const order = i === 4321 ? 4 : 1 + (i % 3);
      rows.push(
        JSON.stringify({
          id: i,
          eventDate: '2025-03-01',
          facts: {
            lives_in_uk: true,
            responsible_for_child: true,
            child_birth_order: order,
            birth_place: 'england_wales',
          },
          note: 'y'.repeat(200),
        }),
      );
    }
    const path = file('failing.jsonl', `${rows.join('\n')}\n`);
    const env = { GOVBRIDGE_CATALOGUE_DIR: copy };
    const args = ['evaluate', '--event', 'having_a_baby', '--file', path];
    const two = await cli([...args, '--threads', '2'], { env });
    const one = await cli([...args, '--threads', '1'], { env });
    for (const r of [two, one]) {
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^Evaluation stopped at line 4322: Expression .* failed: division by zero\n$/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.deepEqual(
        lines(r.stdout).map((o) => o['id']),
        Array.from({ length: 4321 }, (_, i) => i),
      );
    }
    assert.equal(two.stdout, one.stdout);
  });

  test('chunks end where records end: for any chunk size and any reads, the rows of one chunk', () => {
    const options = {
      eventId: 'having_a_baby',
      dateField: 'eventDate',
      explain: false,
      today: '2026-11-27',
    } as const;
    const csv = [
      '\ufeffid,eventDate,birth_place,child_birth_order',
      'a,2025-03-01,singapore,1',
      '"Tan, Méi ""May""',
      'two lines",2025-03-01,singapore,2',
      '',
      '"three',
      '',
      'lines, one blank",2025-03-02,england_wales,3\r',
      'b,2025-03-01,singapore,x\r\nc,2025-03-01,scotland,1\rd,2025-03-01,singapore,1',
      'bad"quote,2025-03-01,singapore,1',
      '"“quoted”",2025-03-05,elsewhere,',
      'short,2025-03-01',
      '"never closed,2025-03-01,singapore,1',
      'e,2025-03-01,singapore,1',
    ].join('\n');
    const jsonl = [
      '\ufeff{"id":"é1","eventDate":"2025-03-01","facts":{"birth_place":"singapore"}}',
      '',
      '{"id":"é2","eventDate":"2025-03-01","facts":{"child_birth_order":2}}\r',
      '{not json}\r{"id":3,"eventDate":"2025-02-30"}',
      '   ',
      '{"id":"“4”","eventDate":"2025-03-01","facts":{}}',
    ].join('\n');
    for (const [format, text] of [
      ['csv', csv],
      ['jsonl', jsonl],
    ] as const) {
      const whole = new ChunkEvaluator(catalogue, { ...options, format }).run(text, 1);
      assert.equal(whole.failure, undefined);
      assert.ok(whole.invalid > 0 && whole.rows > whole.invalid, format);
      const bytes = Buffer.from(text);
      for (const size of [1, 5, 40, 100, 1 << 16]) {
        for (const read of [1, 3, 17, 64, bytes.length]) {
          const splitter = new InputSplitter(format, size);
          const evaluator = new ChunkEvaluator(catalogue, { ...options, format });
          let output = '';
          let rows = 0;
          const run = (chunk: { bytes: Uint8Array; firstLine: number }) => {
            const r = evaluator.run(Buffer.from(chunk.bytes).toString('utf8'), chunk.firstLine);
            output += r.output;
            rows += r.rows;
          };
          for (let i = 0; i < bytes.length; i += read) {
            for (const chunk of splitter.push(bytes.subarray(i, i + read))) run(chunk);
          }
          const last = splitter.end();
          if (last) run(last);
          assert.equal(output, whole.output, `${format}, chunks of ${size} bytes, reads of ${read}`);
          assert.equal(rows, whole.rows);
        }
      }
    }
    // the rows as read line by line: a record over lines starts on its first line
    const errors = new ChunkEvaluator(catalogue, { ...options, format: 'csv' })
      .run(csv, 1)
      .output.split('\n')
      .filter((l) => l.includes('"error"'))
      .map((l) => JSON.parse(l) as { id: string | null; line: number });
    assert.deepEqual(
      errors.map((e) => [e.id, e.line]),
      [
        ['b', 9],
        [null, 12],
        ['short', 14],
        [null, 15],
      ],
    );
  });

  test('--threads must be a whole number from 1 to 64', async () => {
    const path = file('threads.jsonl', '{"id":"a","eventDate":"2025-03-01","facts":{}}\n');
    const values = ['0', '65', 'two', '1.5', ''];
    const runs = await Promise.all(
      values.map((threads) =>
        cli(['evaluate', '--event', 'having_a_baby', '--file', path, '--threads', threads]),
      ),
    );
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, values[i]);
      assert.match(r.stderr, /--threads must be a whole number from 1 to 64/);
      assert.equal(r.stdout, '');
    });
  });

  test('a worker that cannot start, fails or exits is reported once, as one line', async () => {
    const setup = {
      catalogueDir: join(dir, 'no-such-catalogue'),
      options: {
        eventId: 'having_a_baby',
        format: 'jsonl' as const,
        dateField: 'eventDate',
        explain: false,
        today: '2026-11-27',
      },
      header: null,
    };
    const failure = (url?: URL) =>
      new Promise<string>((resolve, reject) => {
        const pool: WorkerPool = new WorkerPool(
          1,
          setup,
          {
            result: () => reject(new Error('no result expected')),
            room: () => reject(new Error('the worker should not be ready')),
            failed: (message) => {
              void pool.close().then(() => resolve(message));
            },
          },
          url,
        );
      });
    assert.match(
      await failure(),
      /^a worker thread could not start: Catalogue .*no-such-catalogue is not a readable directory$/,
    );
    assert.equal(
      await failure(new URL('data:text/javascript,throw new Error("boom")')),
      'a worker thread failed: boom',
    );
    assert.equal(
      await failure(new URL('data:text/javascript,process.exit(7)')),
      'a worker thread stopped (exit code 7)',
    );
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
