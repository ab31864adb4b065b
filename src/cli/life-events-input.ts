import { type Format, MAX_RECORD, splitCsvRecord } from './life-events-rows.ts';

/**
 * The input of `life-events evaluate`, cut into chunks of whole records on the main thread, without
 * decoding or parsing it: a chunk ends after a line break, and for CSV only where no quoted field is
 * still open (a record may span lines), so each chunk can be read on its own — on the main thread or
 * on any worker — and gives the same rows as reading the whole input line by line.
 *
 * Lines are those of Node's readline (`\r\n`, `\n`, or a lone `\r`), counted here so that each chunk
 * knows the number of its first line.
 */

export interface InputChunk {
  /**
   * Whole lines of the input: a view of the splitter's buffer, valid until the next `push` (copy it to
   * keep it).
   */
  readonly bytes: Uint8Array;
  /** The input's line number of the chunk's first line (from 1). */
  readonly firstLine: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export class InputSplitter {
  readonly #format: Format;
  readonly #size: number;
  readonly #maxLines: number;
  /** What is held: `#buffer[#start, #end)` (reused; chunks are views of it until the next push). */
  #buffer: Buffer = Buffer.allocUnsafeSlow(1 << 20);
  #start = 0;
  #end = 0;
  #nextLine = 1;

  /**
   * `size`: the length a chunk aims at, in bytes; `maxLines`: the most lines it has (so that short
   * rows do not make a chunk's output very long). A longer line or CSV record makes a longer chunk.
   */
  constructor(format: Format, size: number, maxLines = Number.POSITIVE_INFINITY) {
    this.#format = format;
    this.#size = size;
    this.#maxLines = maxLines;
  }

  /**
   * Takes what the input gave (copied: `data` may be reused by the caller); returns the chunks of whole
   * records it completes, in order.
   */
  push(data: Uint8Array): InputChunk[] {
    if (data.length === 0) return [];
    this.#hold(data);
    const all = this.#buffer.subarray(0, this.#end);
    const complete = completeLines(all);
    if (complete === 0) return [];
    const chunks: InputChunk[] = [];
    // CSV with a quote somewhere: chunks must not end inside a quoted field. The held bytes are read
    // as latin1 (one character per byte, so offsets are byte offsets; the quotes, commas and line
    // breaks that decide where a record ends are ASCII, never part of a UTF-8 sequence).
    const text =
      this.#format === 'csv' && all.subarray(0, complete).includes(QUOTE)
        ? all.toString('latin1', 0, complete)
        : null;
    let start = 0;
    while (start < complete) {
      // Up to `size` bytes and `maxLines` lines, ending after a line feed.
      const limit = Math.min(complete, start + this.#size);
      let cut = start;
      let lines = 0;
      while (lines < this.#maxLines) {
        const lf = all.indexOf(LF, cut);
        if (lf < 0 || lf >= limit) break;
        cut = lf + 1;
        lines++;
      }
      if (limit === complete && lines < this.#maxLines) {
        if (cut !== complete) {
          cut = complete; // the rest of what is held, which ends with a lone \r
          lines = -1;
        }
      } else if (lines === 0) {
        cut = all.indexOf(LF, limit) + 1 || complete; // one line longer than `size`
        lines = 1;
      }
      if (text !== null) {
        // Not inside a quoted field: cut before an unfinished record instead. A chunk that would be
        // nothing but that record takes every whole line held; if it is still unfinished there, the
        // rest waits for more input.
        let open = openRecordStart(text, start, cut);
        if (open === start && cut < complete) {
          cut = complete;
          open = openRecordStart(text, start, cut);
        }
        if (open === start) break;
        if (open > start) cut = open;
        lines = -1;
      }
      chunks.push(this.#chunk(all.subarray(start, cut), lines));
      start = cut;
    }
    this.#start = start;
    return chunks;
  }

  /** At the end of the input: what is left (an unterminated last line, an unfinished record). */
  end(): InputChunk | null {
    if (this.#end === this.#start) return null;
    const rest = this.#buffer.subarray(this.#start, this.#end);
    this.#start = this.#end;
    return this.#chunk(rest, -1);
  }

  /** Drops what earlier chunks took (their views end here), then appends `data`. */
  #hold(data: Uint8Array): void {
    const held = this.#end - this.#start;
    if (held + data.length > this.#buffer.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, held + data.length));
      this.#buffer.copy(bigger, 0, this.#start, this.#end);
      this.#buffer = bigger;
    } else if (this.#start > 0) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    }
    this.#buffer.set(data, held);
    this.#start = 0;
    this.#end = held + data.length;
  }

  /** `lines`: its line feeds, when counted already and it has no \r; -1: count them. */
  #chunk(bytes: Uint8Array, lines: number): InputChunk {
    const firstLine = this.#nextLine;
    this.#nextLine += lines >= 0 && !bytes.includes(CR) ? lines : countLineBreaks(bytes);
    return { bytes, firstLine };
  }
}

/**
 * The length of the part of `all` that is whole lines: up to its last `\n`; with no `\n` at all,
 * up to its last lone `\r` (one followed by something else than `\n`, so not the last byte).
 */
function completeLines(all: Buffer): number {
  const lf = all.lastIndexOf(LF);
  if (lf >= 0) return lf + 1;
  for (let cr = all.lastIndexOf(CR, all.length - 2); cr >= 0; cr = all.lastIndexOf(CR, cr - 1)) {
    if (all[cr + 1] !== LF) return cr + 1;
  }
  return 0;
}

/** Line breaks as readline counts them: each `\n`, and each `\r` not followed by `\n`. */
export function countLineBreaks(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++;
  for (let i = bytes.indexOf(CR); i >= 0; i = bytes.indexOf(CR, i + 1)) {
    if (bytes[i + 1] !== LF) n++;
  }
  return n;
}

const BREAK = /\r\n|\n|\r/g;

/**
 * Where a CSV record still open at `to` starts, or -1: the lines from `from` (a record's start) to
 * `to` read as `CsvRowReader.read` reads them — a record continues on the next line while
 * `splitCsvRecord` finds a quoted field unclosed, unless it has grown past MAX_RECORD (then it is an
 * error, and the next line starts a new record). A line without a quote cannot start one, so the scan
 * jumps from quote to quote. `from` and `to` are line starts.
 */
export function openRecordStart(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const quote = text.indexOf('"', i);
    if (quote < 0 || quote >= to) return -1;
    let recordStart = quote;
    while (recordStart > i) {
      const c = text.charCodeAt(recordStart - 1);
      if (c === LF || c === CR) break;
      recordStart--;
    }
    let record: string | null = null;
    let lineStart = recordStart;
    for (;;) {
      BREAK.lastIndex = lineStart;
      const m = BREAK.exec(text);
      const lineEnd = m !== null && m.index < to ? m.index : to;
      const next = m !== null && m.index < to ? m.index + m[0].length : to;
      const line = text.slice(lineStart, lineEnd);
      record = record === null ? line : `${record}\n${line}`;
      if (splitCsvRecord(record) !== null || tooLong(record)) {
        i = next;
        break;
      }
      if (next >= to) return recordStart;
      lineStart = next;
    }
  }
  return -1;
}

/** Whether a record read as latin1 is, decoded as UTF-8 (as the reader sees it), past MAX_RECORD. */
function tooLong(latin1: string): boolean {
  return latin1.length > MAX_RECORD && Buffer.from(latin1, 'latin1').toString('utf8').length > MAX_RECORD;
}
