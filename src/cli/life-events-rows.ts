import { isGovbridgeError } from '../kernel/index.ts';
import {
  type BulkServiceResult,
  type Catalogue,
  type CitizenInput,
  evaluateJourney,
  evaluateMany,
  type Fact,
  isSharedResult,
  prepareCitizenFacts,
} from '../life-events/index.ts';
import { type Facts, type FactValue, isIsoDate } from '../rules/index.ts';

/**
 * The rows of `life-events evaluate`, shared by the main thread and the worker threads: lines of the
 * input read as citizens (JSON lines or CSV), each evaluated for the life event, each result written
 * as a JSON line. `ChunkEvaluator` does all of it for one chunk of whole records; whether it runs on
 * the main thread or on a worker, the same chunk gives the same output, byte for byte.
 */

export const FORMATS = ['csv', 'jsonl'] as const;
export type Format = (typeof FORMATS)[number];

/** A problem with how the command was called (or with the CSV header): exit 2, with the usage. */
export class LifeEventsUsageError extends Error {}
export const usage = (message: string): LifeEventsUsageError => new LifeEventsUsageError(message);

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
export const MAX_RECORD = 1 << 20;

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

  /** `header`: the column names already read (by the main thread), for a worker's reader. */
  constructor(catalogue: Catalogue, dateField: string, header?: readonly string[]) {
    this.#catalogue = catalogue;
    this.#dateField = dateField;
    if (header) this.#readHeader(header, false);
  }

  /** The column names, once the header is read. */
  get header(): readonly string[] | null {
    return this.#header;
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

  #readHeader(fields: readonly string[], warn = true): void {
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
    if (unknown.length > 0 && warn) {
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

export function notFutureFacts(catalogue: Catalogue): readonly string[] {
  return [...catalogue.facts.values()].filter((f) => f.type === 'date' && f.notFuture).map((f) => f.id);
}

/**
 * Today's date where it is latest on Earth (UTC+14): a date that has begun anywhere is not refused as
 * "in the future" for a citizen whose day began before the operator's.
 */
export function latestToday(): string {
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
  /** A shared decision's JSON (`isSharedResult`): most of a row's services are one of these. */
  readonly #fragments = new WeakMap<BulkServiceResult, string>();

  constructor(event: string) {
    this.#event = JSON.stringify(event);
  }

  format(
    row: Row,
    decisions: readonly BulkServiceResult[],
    explanation: readonly string[] | undefined,
  ): string {
    let questions = '';
    let asked: string[] | null = null;
    let out = `{"id":${JSON.stringify(row.id)},"event":${this.#event},"eventDate":"${row.eventDate}","services":[`;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i]!;
      if (i > 0) out += ',';
      out += this.#fragment(d);
      for (let j = 0; j < d.missing.length; j++) {
        const f = d.missing[j]!;
        if (asked === null) asked = [];
        else if (asked.includes(f)) continue;
        const q = this.#quote(f);
        questions += asked.length === 0 ? q : `,${q}`;
        asked.push(f);
      }
    }
    out += `],"questions":[${questions}]`;
    if (explanation) out += `,"explanation":${JSON.stringify(explanation)}`;
    return `${out}}`;
  }

  #fragment(d: BulkServiceResult): string {
    let out = this.#fragments.get(d);
    if (out !== undefined) return out;
    out = `{"id":${this.#quote(d.serviceId)},"eligibility":"${d.eligibility}"`;
    if (d.missing.length > 0) {
      out += ',"missing":[';
      for (let j = 0; j < d.missing.length; j++)
        out += j === 0 ? this.#quote(d.missing[j]!) : `,${this.#quote(d.missing[j]!)}`;
      out += ']';
    }
    if (d.rulesFrom !== undefined) out += `,"rulesFrom":"${d.rulesFrom}"`;
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
    if (isSharedResult(d)) this.#fragments.set(d, out);
    return out;
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

// --- one chunk of whole records ------------------------------------------------------------------------

/**
 * The lines of a text as Node's readline gives them (`\r\n`, `\n` or a lone `\r` ends a line), without
 * the empty one after a final line break.
 */
export function splitLines(text: string): string[] {
  const lines = text.includes('\r') ? text.split(/\r\n|\n|\r/) : text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export interface ChunkOptions {
  readonly eventId: string;
  readonly format: Format;
  readonly dateField: string;
  readonly explain: boolean;
  /** Today where it is latest on Earth, fixed for the whole run (`latestToday()` at its start). */
  readonly today: string;
}

export interface ChunkResult {
  /** One JSON line per row, in input order. */
  readonly output: string;
  readonly rows: number;
  readonly invalid: number;
  /**
   * Set when evaluation broke (an error that is not the row's fault, such as a rule failing at run
   * time): `output` holds the rows before it, and the run must stop.
   */
  readonly failure?: { readonly line: number; readonly message: string };
}

/**
 * Reads, evaluates and formats the rows of chunks of the input, in order. A chunk is whole lines from
 * `firstLine` on, ending where a record ends (`InputSplitter` sees to that), so a chunk needs no state
 * from the one before it: an unfinished CSV record at a chunk's end is the input's end. Invalid rows
 * get an `error` line in their place; the CSV header (the first record) is read from the first chunk
 * evaluated on the main thread, and a worker's evaluator is given it.
 */
export class ChunkEvaluator {
  readonly #catalogue: Catalogue;
  readonly #reader: JsonRowReader | CsvRowReader;
  readonly #notFuture: readonly string[];
  readonly #today: string;
  readonly #formatter: ResultFormatter;
  readonly #evaluate: (citizen: CitizenInput) => Evaluated;

  constructor(catalogue: Catalogue, options: ChunkOptions, header?: readonly string[]) {
    this.#catalogue = catalogue;
    this.#reader =
      options.format === 'csv'
        ? new CsvRowReader(catalogue, options.dateField, header)
        : new JsonRowReader(options.dateField);
    this.#notFuture = notFutureFacts(catalogue);
    this.#today = options.today;
    this.#formatter = new ResultFormatter(options.eventId);
    this.#evaluate = options.explain
      ? journeyEvaluator(catalogue, options.eventId, options.today)
      : bulkEvaluator(catalogue, options.eventId);
  }

  /** CSV: the column names once the header is read; JSON lines: always ready. */
  get ready(): boolean {
    return !(this.#reader instanceof CsvRowReader) || this.#reader.header !== null;
  }

  get header(): readonly string[] | null {
    return this.#reader instanceof CsvRowReader ? this.#reader.header : null;
  }

  /** Throws `LifeEventsUsageError` for an unusable CSV header; any other error is a `failure`. */
  run(text: string, firstLine: number): ChunkResult {
    let output = '';
    const counts = this.emit(text, firstLine, (line) => {
      output += line;
    });
    return { output, ...counts };
  }

  /**
   * The same, each output line (with its `\n`) given to `emit` as it is made: a worker encodes them
   * straight into shared memory, without building the chunk's output as one long string first.
   */
  emit(text: string, firstLine: number, emit: (line: string) => void): Omit<ChunkResult, 'output'> {
    const lines = splitLines(text);
    let rows = 0;
    let invalid = 0;
    let line = firstLine - 1;
    const failed = (row: RowMeta, error: string) => {
      invalid++;
      emit(`${JSON.stringify({ id: row.id, line: row.line, error })}\n`);
    };
    try {
      for (let i = 0; i < lines.length; i++) {
        line++;
        const raw = lines[i]!;
        const row = this.#reader.read(line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, line);
        if (row === null) continue;
        rows++;
        if ('error' in row) {
          failed(row, row.error);
          continue;
        }
        const future = futureProblem(this.#catalogue, this.#notFuture, row.facts, this.#today);
        if (future !== null) {
          failed(row, future);
          continue;
        }
        const result = this.#evaluate(row);
        if ('error' in result) failed(row, result.error);
        else emit(`${this.#formatter.format(row, result.services, result.explanation)}\n`);
      }
      const last = this.#reader.end();
      if (last) {
        rows++;
        failed(last, last.error);
      }
    } catch (error) {
      if (error instanceof LifeEventsUsageError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return { rows, invalid, failure: { line, message } };
    }
    return { rows, invalid };
  }
}
