import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { isGovbridgeError } from '../kernel/index.ts';
import {
  type BulkServiceResult,
  type Catalogue,
  type CitizenInput,
  evaluateJourney,
  evaluateMany,
  type Fact,
  formatCaseFailure,
  loadCatalogue,
  prepareCitizenFacts,
  runCases,
} from '../life-events/index.ts';
import { type Facts, type FactValue, isIsoDate } from '../rules/index.ts';

/**
 * `life-events evaluate`: proactive evaluation in bulk. Reads citizens' facts (JSON lines or CSV) as a
 * stream, evaluates one life event for each with `evaluateMany` (or `evaluateJourney` with
 * `--explain`), and writes one JSON line per citizen, in input order. Nothing is kept between rows, and
 * output waits when its consumer is slow, so memory stays flat however long the input.
 *
 * `life-events cases`: runs the catalogue's rule cases.
 *
 * Needs only the catalogue: no database is opened. Exit codes: 0 all rows evaluated, 3 some rows
 * invalid (each has an `error` line in the output), 2 usage (unknown event, missing file, unknown
 * format, unusable CSV header), 1 broken catalogue or configuration.
 */

export const LIFE_EVENTS_USAGE = `  life-events evaluate --event E --file F|- [--format csv|jsonl] [--date-field NAME] [--explain]
                       [--out F] [--progress]
                                       Evaluate life event E for every citizen in a JSON-lines or CSV file
                                       (- for stdin): one JSON line per citizen; exit 3 if some rows are invalid
  life-events cases                    Run the catalogue's rule cases; exit 1 if any fails
`;

const FORMATS = ['csv', 'jsonl'] as const;
type Format = (typeof FORMATS)[number];
const EXTENSIONS: Readonly<Record<string, Format>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

class LifeEventsUsageError extends Error {}
const usage = (message: string) => new LifeEventsUsageError(message);

/** Runs `life-events <sub> …`; returns the exit code. Never throws for bad input. */
export async function lifeEventsCommand(sub: string | undefined, args: readonly string[]): Promise<number> {
  try {
    if (sub === 'evaluate') return await evaluateCommand(args);
    if (sub === 'cases') return casesCommand(args);
    if (sub === 'help' || sub === '--help') {
      process.stdout.write(`Usage: npm run cli -- <command> [options]\n\n${LIFE_EVENTS_USAGE}`);
      return 0;
    }
    throw usage(
      sub ? `Unknown command: life-events ${sub}` : 'life-events needs a command: evaluate or cases',
    );
  } catch (error) {
    if (error instanceof LifeEventsUsageError || isParseArgsError(error)) {
      process.stderr.write(
        `${(error as Error).message}\n\nUsage: npm run cli -- <command> [options]\n\n${LIFE_EVENTS_USAGE}`,
      );
      return 2;
    }
    if (isGovbridgeError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** The catalogue named by the configuration (GOVBRIDGE_CATALOGUE_DIR); throws with a one-line reason. */
function openCatalogue(): Catalogue {
  const dir = loadConfig().catalogueDir;
  try {
    return loadCatalogue(dir);
  } catch (error) {
    if (isGovbridgeError(error)) throw error;
    throw new Error(`Cannot load the catalogue from ${dir}: ${(error as Error).message}`);
  }
}

function casesCommand(args: readonly string[]): number {
  parseArgs({ args: [...args], options: {}, strict: true });
  let catalogue: Catalogue;
  try {
    catalogue = openCatalogue();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const failures = runCases(catalogue);
  for (const f of failures) process.stdout.write(`${formatCaseFailure(f)}\n`);
  const n = catalogue.cases.length;
  process.stdout.write(
    failures.length === 0
      ? `${n} rule cases: all pass\n`
      : `${n} rule cases: ${failures.length} failure${failures.length === 1 ? '' : 's'}\n`,
  );
  return failures.length === 0 ? 0 : 1;
}

// --- evaluate --------------------------------------------------------------------------------------

interface Options {
  readonly eventId: string;
  readonly file: string;
  readonly format: Format;
  readonly dateField: string;
  readonly explain: boolean;
  readonly out: string | undefined;
  readonly progress: boolean;
}

function readOptions(args: readonly string[]): Options {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      event: { type: 'string' },
      file: { type: 'string' },
      format: { type: 'string' },
      'date-field': { type: 'string' },
      explain: { type: 'boolean' },
      out: { type: 'string' },
      progress: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw usage(`Unexpected argument: ${positionals[0]}`);
  if (!values.event) throw usage('--event is required (the life event to evaluate)');
  if (!values.file) throw usage('--file is required (a .csv or .jsonl file, or - for stdin)');
  let format: Format;
  if (values.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(values.format))
      throw usage(`--format must be csv or jsonl (got ${JSON.stringify(values.format)})`);
    format = values.format as Format;
  } else if (values.file === '-') {
    throw usage('--format csv|jsonl is required when reading stdin (--file -)');
  } else {
    const ext = extname(values.file).toLowerCase();
    const byExtension = EXTENSIONS[ext];
    if (!byExtension)
      throw usage(
        `Cannot tell the format of ${values.file} from its extension (${ext || 'none'}): use --format csv|jsonl, or name it .csv or .jsonl`,
      );
    format = byExtension;
  }
  const dateField = values['date-field'] ?? 'eventDate';
  if (dateField.trim() === '') throw usage('--date-field must name a field');
  return {
    eventId: values.event,
    file: values.file,
    format,
    dateField,
    explain: values.explain ?? false,
    out: values.out,
    progress: values.progress ?? false,
  };
}

async function evaluateCommand(args: readonly string[]): Promise<number> {
  const options = readOptions(args);
  let catalogue: Catalogue;
  try {
    catalogue = openCatalogue();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  if (!catalogue.events.has(options.eventId)) {
    throw usage(
      `There is no life event "${options.eventId}". Known events: ${[...catalogue.events.keys()].sort().join(', ')}`,
    );
  }
  if (options.file !== '-') {
    let isFile: boolean;
    try {
      isFile = statSync(options.file).isFile();
    } catch {
      throw usage(`Cannot read ${options.file}: no such file`);
    }
    if (!isFile) throw usage(`Cannot read ${options.file}: not a file`);
  }
  const output = options.out === undefined ? process.stdout : await openOutput(options.out);
  const input =
    options.file === '-' ? process.stdin : createReadStream(options.file, { highWaterMark: 1 << 18 });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });

  const writer = new LineWriter(output);
  const stats = new RunStats(options.progress || process.stderr.isTTY === true);
  const reader =
    options.format === 'csv'
      ? new CsvRowReader(catalogue, options.dateField)
      : new JsonRowReader(options.dateField);
  const notFuture = notFutureFacts(catalogue);
  const today = latestToday();
  const formatter = new ResultFormatter(options.eventId);
  const evaluate = options.explain
    ? journeyEvaluator(catalogue, options.eventId, today)
    : bulkEvaluator(catalogue, options.eventId);
  const failed = (row: RowMeta, error: string) => {
    stats.invalid++;
    return `${JSON.stringify({ id: row.id, line: row.line, error })}\n`;
  };
  /** The output line for one row, in its place: a result, or why the row was not evaluated. */
  const outcome = (row: Row | RowError): string => {
    if ('error' in row) return failed(row, row.error);
    const future = futureProblem(catalogue, notFuture, row.facts, today);
    if (future !== null) return failed(row, future);
    const result = evaluate(row);
    if ('error' in result) return failed(row, result.error);
    return `${formatter.format(row, result.services, result.explanation)}\n`;
  };

  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      if (writer.failed) break;
      const row = reader.read(line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, line);
      if (row === null) continue;
      stats.rows++;
      writer.write(outcome(row));
      if (writer.blocked) await writer.drained();
    }
    const last = reader.end();
    if (last) {
      stats.rows++;
      writer.write(failed(last, last.error));
    }
  } catch (error) {
    if (error instanceof LifeEventsUsageError) throw error;
    await writer.end().catch(() => undefined);
    const message = isGovbridgeError(error) || error instanceof Error ? error.message : String(error);
    process.stderr.write(`Evaluation stopped at line ${line}: ${message}\n`);
    return 1;
  } finally {
    stats.stop();
    lines.close();
  }
  await writer.end().catch(() => undefined);
  if (writer.failed) {
    process.stderr.write(
      `${stats.summary()}\nThe output could not be written (${writer.failed.message}): the run stopped early.\n`,
    );
    return 1;
  }
  process.stderr.write(`${stats.summary()}\n`);
  if (stats.invalid > 0) {
    process.stderr.write(
      `${stats.invalid} row${stats.invalid === 1 ? ' was' : 's were'} invalid: see the lines with "error" in the output.\n`,
    );
    return 3;
  }
  return 0;
}

async function openOutput(path: string): Promise<Writable> {
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) => reject(usage(`Cannot write --out ${path}: ${error.message}`)));
  });
  return stream;
}

// --- rows ------------------------------------------------------------------------------------------

interface RowMeta {
  readonly id: string | number | null;
  readonly line: number;
}
interface Row extends RowMeta, CitizenInput {}
interface RowError extends RowMeta {
  readonly error: string;
}

/** Reads one physical line; null for a blank line or one that does not end a record (CSV). */
interface RowReader {
  read(text: string, line: number): Row | RowError | null;
  /** At the end of the input: an unfinished record, if any. */
  end(): RowError | null;
}

class JsonRowReader implements RowReader {
  readonly #dateField: string;

  constructor(dateField: string) {
    this.#dateField = dateField;
  }

  read(text: string, line: number): Row | RowError | null {
    if (text.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { id: null, line, error: `Not valid JSON: ${(error as Error).message}` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { id: null, line, error: 'Each line must be one JSON object: { "id", "eventDate", "facts" }' };
    const o = value as Record<string, unknown>;
    const id = o['id'];
    if (!((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id))))
      return { id: null, line, error: 'The "id" is missing: each line needs an "id" (a string or a number)' };
    const eventDate = o[this.#dateField];
    if (typeof eventDate !== 'string')
      return {
        id,
        line,
        error: `The event date is missing: each line needs "${this.#dateField}": "YYYY-MM-DD"`,
      };
    const facts = o['facts'] ?? {};
    if (typeof facts !== 'object' || facts === null || Array.isArray(facts))
      return { id, line, error: 'The "facts" must be a JSON object of fact id → answer' };
    return { id, line, eventDate, facts: facts as Facts };
  }

  end(): null {
    return null;
  }
}

/** Longest CSV record kept while waiting for a closing quote; past it the record is refused. */
const MAX_RECORD = 1 << 20;

type Converter = (cell: string) => FactValue | { readonly problem: string };

class CsvRowReader implements RowReader {
  readonly #catalogue: Catalogue;
  readonly #dateField: string;
  #header: readonly string[] | null = null;
  #idColumn = -1;
  #dateColumn = -1;
  /** Per column: the fact's converter, or a reason the column cannot hold a fact; null for id/date. */
  #columns: readonly (
    | { readonly id: string; readonly convert: Converter }
    | { readonly unknown: string }
    | null
  )[] = [];
  #pending = '';
  #pendingLine = 0;

  constructor(catalogue: Catalogue, dateField: string) {
    this.#catalogue = catalogue;
    this.#dateField = dateField;
  }

  read(text: string, line: number): Row | RowError | null {
    let record = text;
    let start = line;
    if (this.#pending !== '') {
      record = `${this.#pending}\n${text}`;
      start = this.#pendingLine;
      this.#pending = '';
    } else if (text.trim() === '') {
      return null;
    }
    const fields = splitCsvRecord(record);
    if (fields === null) {
      if (record.length > MAX_RECORD)
        return { id: null, line: start, error: `A quoted field opened on line ${start} is never closed` };
      this.#pending = record;
      this.#pendingLine = start;
      return null;
    }
    if (this.#header === null) {
      if (typeof fields === 'string')
        throw usage(`The CSV header (line ${start}) is not valid CSV: ${fields}`);
      this.#readHeader(fields);
      return null;
    }
    if (typeof fields === 'string') return { id: null, line: start, error: fields };
    return this.#row(fields, start);
  }

  end(): RowError | null {
    if (this.#pending === '') return null;
    const line = this.#pendingLine;
    this.#pending = '';
    return { id: null, line, error: `A quoted field opened on line ${line} is never closed` };
  }

  #readHeader(fields: readonly string[]): void {
    const names = fields.map((f) => f.trim());
    const seen = new Set<string>();
    for (const n of names) {
      if (n === '') throw usage('The CSV header has an empty column name');
      if (seen.has(n)) throw usage(`The CSV header names the column "${n}" twice`);
      seen.add(n);
    }
    this.#idColumn = names.indexOf('id');
    this.#dateColumn = names.indexOf(this.#dateField);
    if (this.#idColumn < 0 || this.#dateColumn < 0) {
      throw usage(
        `The CSV header must have the columns id and ${this.#dateField}, then one column per fact (got: ${names.join(', ')})`,
      );
    }
    const unknown: string[] = [];
    this.#columns = names.map((name, i) => {
      if (i === this.#idColumn || i === this.#dateColumn) return null;
      const fact = this.#catalogue.facts.get(name);
      if (!fact) {
        unknown.push(name);
        return { unknown: name };
      }
      return { id: name, convert: converterFor(fact) };
    });
    if (unknown.length > 0) {
      process.stderr.write(
        `Warning: the column${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a fact' : 'are not facts'} of the catalogue; rows with a value there are invalid.\n`,
      );
    }
    this.#header = names;
  }

  #row(fields: readonly string[], line: number): Row | RowError {
    const header = this.#header!;
    const idCell = fields[this.#idColumn]?.trim() ?? '';
    const id = idCell === '' ? null : idCell;
    if (fields.length !== header.length)
      return {
        id,
        line,
        error: `This row has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${header.length}`,
      };
    if (id === null) return { id, line, error: 'The id is empty' };
    const eventDate = fields[this.#dateColumn]!.trim();
    if (eventDate === '') return { id, line, error: `The event date (column ${this.#dateField}) is empty` };
    const facts: Record<string, FactValue> = {};
    const problems: string[] = [];
    for (let i = 0; i < fields.length; i++) {
      const column = this.#columns[i];
      if (!column) continue;
      const cell = fields[i]!.trim();
      if (cell === '') continue; // unknown fact
      if ('unknown' in column) {
        problems.push(`${column.unknown} is not a fact this catalogue knows`);
        continue;
      }
      const value = column.convert(cell);
      if (typeof value === 'object')
        problems.push(`${column.id} ${value.problem} (got ${JSON.stringify(cell)})`);
      else facts[column.id] = value;
    }
    if (problems.length > 0) return { id, line, error: `Some answers are not valid: ${problems.join('; ')}` };
    return { id, line, eventDate, facts };
  }
}

const MONEY = /^-?(?:£|S\$|\$)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** A CSV cell (trimmed, not empty) to the fact's type; enums and strings are checked by the evaluator. */
function converterFor(fact: Fact): Converter {
  switch (fact.type) {
    case 'boolean':
      return (cell) => {
        const v = cell.toLowerCase();
        if (v === 'true' || v === 'yes') return true;
        if (v === 'false' || v === 'no') return false;
        return { problem: 'must be true or false (or yes or no)' };
      };
    case 'integer':
      return (cell) => (INTEGER.test(cell) ? Number(cell) : { problem: 'must be a whole number' });
    case 'money':
      return (cell) => {
        const m = MONEY.exec(cell);
        if (!m) return { problem: 'must be an amount of money such as 60000 or 60000.50' };
        const n = Number(`${m[1]!.replaceAll(',', '')}${m[2] ?? ''}`);
        return cell.startsWith('-') ? -n : n;
      };
    case 'date':
      return (cell) => (isIsoDate(cell) ? cell : { problem: 'must be a real date written YYYY-MM-DD' });
    case 'enum':
    case 'string':
      return (cell) => cell;
  }
}

/**
 * One CSV record (RFC 4180) split into fields: a field may be quoted, a quote inside it doubled, and
 * quoted fields may hold commas and line breaks. Spaces around a quoted field are allowed. Returns
 * null when the record ends inside a quoted field (it continues on the next line), or a string saying
 * what is wrong.
 */
export function splitCsvRecord(record: string): string[] | string | null {
  if (!record.includes('"')) return record.split(',');
  const fields: string[] = [];
  const n = record.length;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && record.charCodeAt(j) === 0x20) j++;
    if (j < n && record.charCodeAt(j) === 0x22) {
      // quoted field
      let value = '';
      let k = j + 1;
      for (;;) {
        const q = record.indexOf('"', k);
        if (q < 0) return null;
        value += record.slice(k, q);
        if (record.charCodeAt(q + 1) === 0x22) {
          value += '"';
          k = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (k < n && record.charCodeAt(k) === 0x20) k++;
      fields.push(value);
      if (k === n) return fields;
      if (record.charCodeAt(k) !== 0x2c)
        return `Field ${fields.length}: text after a closing quote; quote the whole field and double any quote inside it`;
      i = k + 1;
    } else {
      const comma = record.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = record.slice(i, end);
      if (value.includes('"'))
        return `Field ${fields.length + 1}: a quote inside an unquoted field; quote the whole field and double any quote inside it`;
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

// --- checks the bulk evaluator leaves to its caller ---------------------------------------------------

function notFutureFacts(catalogue: Catalogue): readonly string[] {
  return [...catalogue.facts.values()].filter((f) => f.type === 'date' && f.notFuture).map((f) => f.id);
}

/**
 * Today's date where it is latest on Earth (UTC+14): a date that has begun anywhere is not refused as
 * "in the future" for a citizen whose day began before the operator's.
 */
function latestToday(): string {
  return new Date(Date.now() + 14 * 3_600_000).toISOString().slice(0, 10);
}

/** The evaluator's message for answers that must not be in the future, when one is; else null. */
function futureProblem(
  catalogue: Catalogue,
  notFuture: readonly string[],
  facts: Facts,
  today: string,
): string | null {
  for (const id of notFuture) {
    const v = facts[id];
    if (typeof v === 'string' && v > today) {
      try {
        prepareCitizenFacts(catalogue, facts, today);
      } catch (error) {
        if (isGovbridgeError(error)) return error.message;
        throw error;
      }
    }
  }
  return null;
}

// --- evaluation with explanations ---------------------------------------------------------------------

type Evaluated =
  | { readonly services: readonly BulkServiceResult[]; readonly explanation?: readonly string[] }
  | { readonly error: string };

/**
 * The bulk path: `evaluateMany` (no traces) driven one citizen at a time, synchronously. One generator
 * serves the whole run, so its per-date memo lasts the run; it reads citizens from a one-slot iterator
 * and, being a generator, pulls a citizen only when asked for a result — so each call evaluates exactly
 * the citizen just put in the slot, with no promise per row.
 */
function bulkEvaluator(catalogue: Catalogue, eventId: string): (citizen: CitizenInput) => Evaluated {
  let slot: CitizenInput | undefined;
  const feed: Iterator<CitizenInput, undefined> = {
    next: () => {
      const value = slot;
      slot = undefined;
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    },
  };
  const results = evaluateMany(catalogue, eventId, { [Symbol.iterator]: () => feed });
  return (citizen) => {
    slot = citizen;
    const next = results.next();
    if (next.done) throw new Error('the bulk evaluator ended before its input');
    return next.value;
  };
}

/** `--explain`: a full journey per row, with traces and explanations (slower than the bulk path). */
function journeyEvaluator(
  catalogue: Catalogue,
  eventId: string,
  today: string,
): (citizen: CitizenInput) => Evaluated {
  return (citizen) => {
    try {
      const journey = evaluateJourney(catalogue, eventId, citizen.eventDate, citizen.facts, { today });
      return { services: journey.services, explanation: journey.services.flatMap((s) => s.explanation) };
    } catch (error) {
      if (isGovbridgeError(error) && error.expose) return { error: error.message };
      throw error;
    }
  };
}

// --- output -----------------------------------------------------------------------------------------

/**
 * One result as a JSON line, written by hand from fragments made once per service and fact (the
 * output is on the hot path: this is several times faster than building objects for JSON.stringify).
 * Ids come from the catalogue and dates are checked YYYY-MM-DD, so only the citizen's id needs escaping.
 */
class ResultFormatter {
  readonly #event: string;
  readonly #quoted = new Map<string, string>();
  readonly #amountTail = new Map<string, string>();

  constructor(event: string) {
    this.#event = JSON.stringify(event);
  }

  format(
    row: Row,
    decisions: readonly BulkServiceResult[],
    explanation: readonly string[] | undefined,
  ): string {
    let questions = '';
    const asked: string[] = [];
    let out = `{"id":${JSON.stringify(row.id)},"event":${this.#event},"eventDate":"${row.eventDate}","services":[`;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i]!;
      out += `${i === 0 ? '' : ','}{"id":${this.#quote(d.serviceId)},"eligibility":"${d.eligibility}"`;
      if (d.missing.length > 0) {
        out += ',"missing":[';
        for (let j = 0; j < d.missing.length; j++) {
          const f = d.missing[j]!;
          const q = this.#quote(f);
          out += j === 0 ? q : `,${q}`;
          if (!asked.includes(f)) {
            questions += asked.length === 0 ? q : `,${q}`;
            asked.push(f);
          }
        }
        out += ']';
      }
      if (d.deadline?.status === 'known') out += `,"deadline":"${d.deadline.date}"`;
      if (d.amount?.status === 'known') {
        const { value, currency, period } = d.amount;
        const key = `${currency} ${period}`;
        let tail = this.#amountTail.get(key);
        if (tail === undefined) {
          tail = `,"currency":${JSON.stringify(currency)},"period":${JSON.stringify(period)}}`;
          this.#amountTail.set(key, tail);
        }
        out += `,"amount":{"value":${Number.isFinite(value) ? String(value) : 'null'}${tail}`;
      }
      out += '}';
    }
    out += `],"questions":[${questions}]`;
    if (explanation) out += `,"explanation":${JSON.stringify(explanation)}`;
    return `${out}}`;
  }

  #quote(id: string): string {
    let q = this.#quoted.get(id);
    if (q === undefined) {
      q = JSON.stringify(id);
      this.#quoted.set(id, q);
    }
    return q;
  }
}

/**
 * Lines gathered into chunks (a write per chunk, not per line): a chunk goes out when it reaches 64 KiB
 * or when the event loop next turns (the input is waiting), so a slow input still sees its results
 * promptly. `blocked` after a write the stream could not take: the caller waits for `drained()`.
 */
class LineWriter {
  readonly #out: Writable;
  #chunk = '';
  #scheduled = false;
  #drain: Promise<void> | null = null;
  failed: Error | null = null;

  constructor(out: Writable) {
    this.#out = out;
    out.on('error', (error: Error) => {
      this.failed ??= error;
    });
  }

  get blocked(): boolean {
    return this.#drain !== null;
  }

  drained(): Promise<void> {
    return this.#drain ?? Promise.resolve();
  }

  write(line: string): void {
    if (this.failed) return;
    this.#chunk += line;
    if (this.#chunk.length >= 1 << 16) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    if (this.#chunk === '' || this.failed) return;
    const chunk = this.#chunk;
    this.#chunk = '';
    if (!this.#out.write(chunk) && this.#drain === null) {
      this.#drain = new Promise<void>((resolve) => {
        const done = () => {
          this.#out.off('drain', done);
          this.#out.off('error', done);
          this.#out.off('close', done);
          this.#drain = null;
          resolve();
        };
        this.#out.on('drain', done);
        this.#out.on('error', done);
        this.#out.on('close', done);
      });
    }
  }

  /** Flushes; ends a file, leaves stdout open; resolves once everything is handed to the system. */
  async end(): Promise<void> {
    this.#flush();
    if (this.failed) return;
    const out = this.#out;
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      out.once('error', done);
      if (out === process.stdout) out.write('', done);
      else out.end(done);
    });
  }
}

class RunStats {
  rows = 0;
  invalid = 0;
  readonly #start = performance.now();
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #tty = process.stderr.isTTY === true;

  constructor(progress: boolean) {
    if (progress) {
      this.#timer = setInterval(() => {
        const line = `life-events: ${this.#figures()}`;
        process.stderr.write(this.#tty ? `\r\x1b[K${line}` : `${line}\n`);
      }, 1000);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      if (this.#tty) process.stderr.write('\r\x1b[K');
    }
  }

  summary(): string {
    return `life-events: ${this.rows.toLocaleString('en-GB')} rows, ${this.invalid.toLocaleString('en-GB')} invalid, ${this.#figures(false)}`;
  }

  #figures(withRows = true): string {
    const seconds = (performance.now() - this.#start) / 1000;
    const rate = seconds > 0 ? Math.round(this.rows / seconds) : 0;
    return `${withRows ? `${this.rows.toLocaleString('en-GB')} rows, ` : ''}${seconds.toFixed(1)} s, ${rate.toLocaleString('en-GB')} rows/s`;
  }
}
