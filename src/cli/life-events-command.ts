import { createWriteStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.ts';
import { isGovbridgeError } from '../kernel/index.ts';
import { type Catalogue, formatCaseFailure, loadCatalogue, runCases } from '../life-events/index.ts';
import { type InputChunk, InputSplitter } from './life-events-input.ts';
import { type ChunkOutput, WorkerPool } from './life-events-pool.ts';
import {
  ChunkEvaluator,
  type ChunkOptions,
  type ChunkResult,
  FORMATS,
  type Format,
  LifeEventsUsageError,
  latestToday,
  usage,
} from './life-events-rows.ts';

export { splitCsvRecord } from './life-events-rows.ts';

/**
 * `life-events evaluate`: proactive evaluation in bulk. Reads citizens' facts (JSON lines or CSV) as a
 * stream, evaluates one life event for each with `evaluateMany` (or `evaluateJourney` with
 * `--explain`), and writes one JSON line per citizen, in input order. The input is cut into chunks of
 * whole records (`life-events-input.ts`); a long input's chunks are evaluated on worker threads, one
 * per core (`life-events-pool.ts`), a short one's on the main thread, with the same output either
 * way. Only a few chunks are in flight at a time, and output waits when its consumer is slow, so
 * memory stays flat however long the input.
 *
 * `life-events cases`: runs the catalogue's rule cases.
 *
 * Needs only the catalogue: no database is opened. Exit codes: 0 all rows evaluated, 3 some rows
 * invalid (each has an `error` line in the output), 2 usage (unknown event, missing file, unknown
 * format, unusable CSV header, bad --threads), 1 broken catalogue or configuration, or a run stopped
 * early (a rule failing at run time, a worker thread failing, output that cannot be written) with one
 * line on stderr saying why.
 */

export const LIFE_EVENTS_USAGE = `  life-events evaluate --event E --file F|- [--format csv|jsonl] [--date-field NAME] [--explain]
                       [--out F] [--progress] [--threads N]
                                       Evaluate life event E for every citizen in a JSON-lines or CSV file
                                       (- for stdin): one JSON line per citizen; exit 3 if some rows are invalid.
                                       --threads: worker threads (default: one per core, for inputs over 8 MiB;
                                       1: the main thread only)
  life-events cases                    Run the catalogue's rule cases; exit 1 if any fails
`;

const EXTENSIONS: Readonly<Record<string, Format>> = {
  '.csv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

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
  /** Worker threads; undefined: one per core once the input proves long. */
  readonly threads: number | undefined;
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
      threads: { type: 'string' },
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
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!/^\d+$/.test(values.threads) || threads < 1 || threads > MAX_THREADS)
      throw usage(
        `--threads must be a whole number from 1 to ${MAX_THREADS} (got ${JSON.stringify(values.threads)})`,
      );
  }
  return {
    eventId: values.event,
    file: values.file,
    format,
    dateField,
    explain: values.explain ?? false,
    out: values.out,
    progress: values.progress ?? false,
    threads,
  };
}

/** The size a chunk of the input aims at: several hundred rows, some milliseconds of work… */
const CHUNK_BYTES = 1 << 18;
/** …and the most lines it has, so that its output fits a worker's slot (life-events-pool.ts). */
const CHUNK_LINES = 2000;
/** Without --threads, worker threads are used for inputs longer than this (a file's size; stdin's so far). */
const WORKERS_AFTER_BYTES = 8 << 20;
const MAX_THREADS = 64;

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
  let size: number | undefined;
  if (options.file !== '-') {
    let isFile: boolean;
    try {
      const stat = statSync(options.file);
      isFile = stat.isFile();
      size = stat.size;
    } catch {
      throw usage(`Cannot read ${options.file}: no such file`);
    }
    if (!isFile) throw usage(`Cannot read ${options.file}: not a file`);
  }
  const output = options.out === undefined ? process.stdout : await openOutput(options.out);
  const input: AsyncIterable<Uint8Array> =
    options.file === '-' ? process.stdin : readPieces(options.file, CHUNK_BYTES);
  return new BulkRun(catalogue, options, output, size).run(input);
}

/**
 * A file, `size` bytes at a time, read into one buffer that is reused (each piece is valid until the
 * next is asked for; the splitter copies what it keeps), so that reading allocates nothing per piece.
 */
async function* readPieces(path: string, size: number): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(size);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, size, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/**
 * One run of `life-events evaluate`. The main thread reads the input and cuts it into chunks of whole
 * records; each chunk is evaluated on the main thread or sent to a worker, and the outputs are written
 * in chunk order (`#deliver`). The CSV header is always read on the main thread (first chunk), so that
 * a bad header is a usage error before anything is written. At most CHUNKS_PER_WORKER chunks per
 * worker are in flight, and nothing more is read while the output cannot take more.
 */
class BulkRun {
  readonly #catalogue: Catalogue;
  readonly #options: Options;
  readonly #chunkOptions: ChunkOptions;
  readonly #size: number | undefined;
  readonly #threads: number;
  readonly #main: ChunkEvaluator;
  readonly #splitter: InputSplitter;
  readonly #writer: OutputWriter;
  readonly #stats: RunStats;
  #pool: WorkerPool | null = null;
  readonly #done = new Map<number, ChunkResult | ChunkOutput>();
  #nextSeq = 0;
  #nextWrite = 0;
  #bytesRead = 0;
  /** Why the run stopped early (a line for stderr), once it has. */
  #stop: string | null = null;
  #wake: (() => void) | null = null;

  constructor(catalogue: Catalogue, options: Options, output: Writable, size: number | undefined) {
    this.#catalogue = catalogue;
    this.#options = options;
    this.#size = size;
    this.#threads = options.threads ?? Math.min(availableParallelism(), MAX_THREADS);
    this.#chunkOptions = {
      eventId: options.eventId,
      format: options.format,
      dateField: options.dateField,
      explain: options.explain,
      today: latestToday(),
    };
    this.#main = new ChunkEvaluator(catalogue, this.#chunkOptions);
    this.#splitter = new InputSplitter(options.format, CHUNK_BYTES, CHUNK_LINES);
    this.#writer = new OutputWriter(output, () => this.#wakeUp());
    this.#stats = new RunStats(options.progress || process.stderr.isTTY === true);
  }

  get #stopped(): boolean {
    return this.#stop !== null || this.#writer.failed !== null;
  }

  async run(input: AsyncIterable<Uint8Array>): Promise<number> {
    try {
      for await (const data of input) {
        this.#bytesRead += data.length;
        for (const chunk of this.#splitter.push(data)) {
          await this.#handle(chunk);
          if (this.#stopped) break;
        }
        if (this.#stopped) break;
      }
      const last = this.#stopped ? null : this.#splitter.end();
      if (last) await this.#handle(last);
      while (!this.#stopped && this.#nextWrite < this.#nextSeq) await this.#signal();
    } catch (error) {
      if (error instanceof LifeEventsUsageError) throw error;
      this.#stop ??= `Evaluation stopped: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.#stats.stop();
      await this.#pool?.close();
    }
    await this.#writer.end().catch(() => undefined);
    if (this.#writer.failed) {
      process.stderr.write(
        `${this.#stats.summary()}\nThe output could not be written (${this.#writer.failed.message}): the run stopped early.\n`,
      );
      return 1;
    }
    if (this.#stop !== null) {
      process.stderr.write(`${this.#stop}\n`);
      return 1;
    }
    process.stderr.write(`${this.#stats.summary()}\n`);
    const invalid = this.#stats.invalid;
    if (invalid > 0) {
      process.stderr.write(
        `${invalid} row${invalid === 1 ? ' was' : 's were'} invalid: see the lines with "error" in the output.\n`,
      );
      return 3;
    }
    return 0;
  }

  /** Evaluates a chunk here or on a worker; returns once there is room for the next. */
  async #handle(chunk: InputChunk): Promise<void> {
    const seq = this.#nextSeq++;
    const pool = this.#workers();
    // Without --threads, the main thread goes on evaluating while the workers start.
    if (pool === null || (pool.ready === 0 && this.#options.threads === undefined)) {
      const text = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.length).toString(
        'utf8',
      );
      this.#deliver(seq, this.#main.run(text, chunk.firstLine));
    } else {
      while (!this.#stopped && !pool.hasRoom) await this.#signal();
      if (this.#stopped) return;
      pool.submit(seq, chunk);
    }
    while (!this.#stopped && this.#writer.blocked) await this.#signal();
  }

  /** The worker pool, started when the input is long enough (or --threads asks); null: main thread only. */
  #workers(): WorkerPool | null {
    if (this.#pool !== null) return this.#pool;
    if (this.#threads < 2 || !this.#main.ready) return null;
    const long = (this.#size ?? this.#bytesRead) > WORKERS_AFTER_BYTES;
    if (this.#options.threads === undefined && !long) return null;
    this.#pool = new WorkerPool(
      this.#threads,
      { catalogueDir: this.#catalogue.dir, options: this.#chunkOptions, header: this.#main.header },
      {
        result: (seq, output) => this.#deliver(seq, output),
        room: () => this.#wakeUp(),
        failed: (message) => {
          this.#stop ??= `Evaluation stopped: ${message}`;
          this.#wakeUp();
        },
      },
    );
    return this.#pool;
  }

  /** A chunk's output is ready: write it and those after it that are ready too, in input order. */
  #deliver(seq: number, result: ChunkResult | ChunkOutput): void {
    this.#done.set(seq, result);
    for (let r = this.#done.get(this.#nextWrite); r !== undefined && this.#stop === null; ) {
      this.#done.delete(this.#nextWrite++);
      if (typeof r.output === 'string') this.#writer.write(r.output);
      else this.#writer.writeAll(r.output, 'release' in r ? r.release : undefined);
      this.#stats.rows += r.rows;
      this.#stats.invalid += r.invalid;
      if (r.failure) this.#stop = `Evaluation stopped at line ${r.failure.line}: ${r.failure.message}`;
      r = this.#done.get(this.#nextWrite);
    }
    this.#wakeUp();
  }

  /** Resolves at the next change: a result, a worker ready, the output drained or failed. */
  #signal(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

async function openOutput(path: string): Promise<Writable> {
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) => reject(usage(`Cannot write --out ${path}: ${error.message}`)));
  });
  return stream;
}

/**
 * The output, written a chunk at a time. `blocked` after a write the stream could not take: the run
 * reads and sends nothing more until it drains (`onChange` is called then, and on an error).
 */
class OutputWriter {
  readonly #out: Writable;
  readonly #onChange: () => void;
  #blocked = false;
  failed: Error | null = null;

  constructor(out: Writable, onChange: () => void) {
    this.#out = out;
    this.#onChange = onChange;
    out.on('error', (error: Error) => {
      this.failed ??= error;
      onChange();
    });
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  /** Writes the pieces in order; `written` is called once they are handed to the system (or failed). */
  writeAll(pieces: readonly Uint8Array[], written?: () => void): void {
    if (this.failed || pieces.length === 0) {
      written?.();
      return;
    }
    for (let i = 0; i < pieces.length; i++) {
      this.write(pieces[i]!, i === pieces.length - 1 ? written : undefined);
    }
  }

  write(chunk: string | Uint8Array, written?: () => void): void {
    if (this.failed || chunk.length === 0) {
      written?.();
      return;
    }
    const ok = written ? this.#out.write(chunk, () => written()) : this.#out.write(chunk);
    if (!ok && !this.#blocked) {
      this.#blocked = true;
      const out = this.#out;
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        this.#blocked = false;
        this.#onChange();
      };
      out.on('drain', done);
      out.on('close', done);
    }
  }

  /** Ends a file, leaves stdout open; resolves once everything is handed to the system. */
  async end(): Promise<void> {
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
