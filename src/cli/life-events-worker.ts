import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { loadCatalogue } from '../life-events/index.ts';
import type { ChunkRequest, ChunkResponse, WorkerData } from './life-events-pool.ts';
import { ChunkEvaluator } from './life-events-rows.ts';

/**
 * A worker thread of `life-events evaluate`: loads the catalogue itself (compiled expressions cannot
 * cross threads), then for each chunk it is sent reads it from its slot of shared memory, evaluates
 * its rows and encodes their output lines into the slot's output room (what does not fit goes back in
 * a buffer of its own). Nothing is kept between chunks but the evaluator's memo.
 */

function main(port: MessagePort, data: WorkerData): void {
  let evaluator: ChunkEvaluator;
  try {
    const catalogue = loadCatalogue(data.catalogueDir);
    evaluator = new ChunkEvaluator(catalogue, data.options, data.header ?? undefined);
  } catch (error) {
    port.postMessage({ type: 'start_failed', message: (error as Error).message } satisfies ChunkResponse);
    port.close();
    return;
  }
  const encoder = new TextEncoder();
  const shared = new Uint8Array(data.shared);
  port.on('message', (request: ChunkRequest) => {
    const base = request.slot * (data.slotInput + data.slotOutput);
    const room = shared.subarray(base + data.slotInput, base + data.slotInput + data.slotOutput);
    let written = 0;
    let rest: string[] | null = null;
    const emit = (line: string) => {
      if (rest !== null) {
        rest.push(line);
        return;
      }
      const r = encoder.encodeInto(line, room.subarray(written));
      written += r.written;
      if (r.read < line.length) rest = [line.slice(r.read)];
    };
    let counts: ReturnType<ChunkEvaluator['emit']>;
    try {
      const input = request.bytes ?? shared.subarray(base, base + request.length);
      const text = Buffer.from(input.buffer, input.byteOffset, input.length).toString('utf8');
      counts = evaluator.emit(text, request.firstLine, emit);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      counts = { rows: 0, invalid: 0, failure: { line: request.firstLine, message } };
    }
    const restBytes = rest === null ? undefined : encoder.encode((rest as string[]).join(''));
    const response: ChunkResponse = {
      type: 'result',
      seq: request.seq,
      slot: request.slot,
      written,
      ...(restBytes ? { rest: restBytes } : {}),
      ...counts,
    };
    port.postMessage(response, restBytes ? [restBytes.buffer] : []);
  });
  port.postMessage({ type: 'ready' } satisfies ChunkResponse);
}

if (parentPort === null) throw new Error('life-events-worker.ts runs only as a worker thread');
main(parentPort, workerData as WorkerData);
