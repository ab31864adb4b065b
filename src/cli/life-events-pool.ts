import { Worker } from 'node:worker_threads';
import type { InputChunk } from './life-events-input.ts';
import type { ChunkOptions } from './life-events-rows.ts';

/**
 * The worker threads of `life-events evaluate` (`life-events-worker.ts`), one per core by default.
 *
 * The main thread hands each worker a chunk of whole records at a time and gets back its output lines;
 * it writes outputs in chunk order. Chunks and outputs travel through shared memory, in slots: a slot
 * has room for one chunk and its output, a chunk in flight holds one until its output is written, and
 * there are CHUNKS_PER_WORKER slots per worker. So memory is fixed however long the input, nothing
 * more is read while the output cannot take more, and no buffer is allocated per chunk (allocating
 * them made the main thread collect garbage several times a second). A chunk or an output too long
 * for its slot travels in a buffer of its own instead, transferred, not copied.
 */

/** Chunks a worker holds at once: one being evaluated and two waiting, so that it never idles. */
export const CHUNKS_PER_WORKER = 3;
/** Room for a chunk in a slot (chunks aim at 256 KiB; a longer line or record makes a longer one). */
const SLOT_INPUT = 1 << 19;
/**
 * Room for a chunk's output in a slot: 2,000 rows of up to about 2 KB (an 18-service event writes
 * about 1,670 bytes a row); more with --explain. Output that does not fit is joined and encoded into
 * a buffer of its own, which on 2 MiB slots was every CSV chunk of such an event (GC and copying).
 */
const SLOT_OUTPUT = 1 << 22;

export interface WorkerSetup {
  readonly catalogueDir: string;
  readonly options: ChunkOptions;
  /** CSV: the header's column names, read on the main thread. */
  readonly header: readonly string[] | null;
}

/** What a worker starts with: the setup and the slots. */
export interface WorkerData extends WorkerSetup {
  readonly shared: SharedArrayBuffer;
  readonly slotInput: number;
  readonly slotOutput: number;
}

export interface ChunkRequest {
  readonly seq: number;
  readonly slot: number;
  readonly firstLine: number;
  /** The chunk's length at the start of its slot; 0 when it travels in `bytes`. */
  readonly length: number;
  readonly bytes?: Uint8Array;
}

export type ChunkResponse =
  | { readonly type: 'ready' }
  | { readonly type: 'start_failed'; readonly message: string }
  | {
      readonly type: 'result';
      readonly seq: number;
      readonly slot: number;
      /** Output bytes in the slot's output room. */
      readonly written: number;
      /** The rest of the output, when it did not fit. */
      readonly rest?: Uint8Array;
      readonly rows: number;
      readonly invalid: number;
      readonly failure?: { readonly line: number; readonly message: string };
    };

export interface ChunkOutput {
  /** The chunk's output lines, UTF-8, in pieces to write in order. */
  readonly output: readonly Uint8Array[];
  readonly rows: number;
  readonly invalid: number;
  readonly failure?: { readonly line: number; readonly message: string };
  /** Once the output is written (or will not be): the slot takes another chunk. */
  readonly release?: () => void;
}

export interface PoolEvents {
  /** A chunk is done (in any order: the caller restores input order). */
  result(seq: number, output: ChunkOutput): void;
  /** A worker became ready or a slot was released: there may be room for another chunk. */
  room(): void;
  /** A worker could not start or stopped unexpectedly: the run cannot go on. Called once. */
  failed(message: string): void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  busy: number;
}

export const WORKER_URL = new URL('./life-events-worker.ts', import.meta.url);

/**
 * The young generation of each worker's heap, in MB. Each row leaves kilobytes of short-lived garbage;
 * on a million CSV rows, 16 MB took the same CPU as 32 or 64 MB with 40–120 MB less peak RSS, and 8 MB
 * about 10% more CPU (`/usr/bin/time`, 27 November 2026).
 */
const YOUNG_GENERATION_MB = 16;

export class WorkerPool {
  readonly #workers: Slot[] = [];
  readonly #events: PoolEvents;
  readonly #shared: SharedArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #free: number[] = [];
  #closing = false;
  #failed = false;

  constructor(size: number, setup: WorkerSetup, events: PoolEvents, url: URL = WORKER_URL) {
    this.#events = events;
    const slots = size * CHUNKS_PER_WORKER;
    this.#shared = new SharedArrayBuffer(slots * (SLOT_INPUT + SLOT_OUTPUT));
    this.#bytes = new Uint8Array(this.#shared);
    for (let i = 0; i < slots; i++) this.#free.push(i);
    const workerData: WorkerData = {
      ...setup,
      shared: this.#shared,
      slotInput: SLOT_INPUT,
      slotOutput: SLOT_OUTPUT,
    };
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, {
        workerData,
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      const slot: Slot = { worker, ready: false, busy: 0 };
      worker.on('message', (message: ChunkResponse) => {
        if (message.type === 'ready') {
          slot.ready = true;
          events.room();
        } else if (message.type === 'start_failed') {
          this.#fail(`a worker thread could not start: ${message.message}`);
        } else {
          slot.busy--;
          this.#result(message);
        }
      });
      worker.on('error', (error: Error) => this.#fail(`a worker thread failed: ${error.message}`));
      worker.on('messageerror', (error: Error) =>
        this.#fail(`a worker thread sent a message that could not be read: ${error.message}`),
      );
      worker.on('exit', (code) => {
        if (!this.#closing) this.#fail(`a worker thread stopped (exit code ${code})`);
      });
      this.#workers.push(slot);
    }
  }

  /** Workers ready to take chunks. */
  get ready(): number {
    return this.#workers.filter((w) => w.ready).length;
  }

  /** Whether a ready worker has fewer than CHUNKS_PER_WORKER chunks in hand, and a slot is free. */
  get hasRoom(): boolean {
    return this.#free.length > 0 && this.#workers.some((w) => w.ready && w.busy < CHUNKS_PER_WORKER);
  }

  /** To the ready worker with the fewest chunks in hand, through a free slot (check `hasRoom`). */
  submit(seq: number, chunk: InputChunk): void {
    let best: Slot | undefined;
    for (const w of this.#workers) if (w.ready && (best === undefined || w.busy < best.busy)) best = w;
    const slot = this.#free.pop();
    if (best === undefined || slot === undefined) throw new Error('no worker thread has room');
    best.busy++;
    const base = slot * (SLOT_INPUT + SLOT_OUTPUT);
    if (chunk.bytes.length <= SLOT_INPUT) {
      this.#bytes.set(chunk.bytes, base);
      const request: ChunkRequest = { seq, slot, firstLine: chunk.firstLine, length: chunk.bytes.length };
      best.worker.postMessage(request);
    } else {
      const bytes = new Uint8Array(chunk.bytes);
      const request: ChunkRequest = { seq, slot, firstLine: chunk.firstLine, length: 0, bytes };
      best.worker.postMessage(request, [bytes.buffer]);
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }

  #result(message: Extract<ChunkResponse, { type: 'result' }>): void {
    const base = message.slot * (SLOT_INPUT + SLOT_OUTPUT) + SLOT_INPUT;
    const output: Uint8Array[] = [];
    if (message.written > 0) output.push(Buffer.from(this.#shared, base, message.written));
    if (message.rest) output.push(message.rest);
    let released = false;
    this.#events.result(message.seq, {
      output,
      rows: message.rows,
      invalid: message.invalid,
      ...(message.failure ? { failure: message.failure } : {}),
      release: () => {
        if (released) return;
        released = true;
        this.#free.push(message.slot);
        this.#events.room();
      },
    });
  }

  #fail(message: string): void {
    if (this.#failed || this.#closing) return;
    this.#failed = true;
    this.#events.failed(message);
  }
}
