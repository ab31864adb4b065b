import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The agencies of `npm run bench:notify`: lightweight HTTP receivers, one port per agency, in a
 * process of their own (so they do not share an event loop with the load generator or a hub). Each
 * POST is read to the end, de-duplicated by its `Idempotency-Key` and acknowledged with 200; what a
 * receiver keeps per unique key is the CloudEvent `subject` (the report id, or the job's key for
 * pg-boss) and the time of the acknowledgement on the benchmark's one clock (`now()`, notify-load.ts). No signature check or decryption: the
 * receivers must not be the bottleneck being measured (test/support/receiver.ts does those checks).
 *
 * Talks to the parent over IPC: it sends {ports} once listening, and answers
 *   {cmd:'count'} → {unique, duplicates, requests}
 *   {cmd:'collect'} → {unique, duplicates, requests, records: [key, subject, ackMs][]}
 *   {cmd:'reset'} → forget everything (a new window), answers {reset:true}
 *   {cmd:'clock'} → {now}: this process's reading of the clock (the one-clock check)
 */

const agencies = Number(process.argv[2] ?? 4);

import { now } from './notify-load.ts';

let requests = 0;
let duplicates = 0;
let seen = new Map<string, { subject: string; at: number }>();

function handle(body: string, key: string | undefined): number {
  requests++;
  if (!key) return 400;
  if (seen.has(key)) {
    duplicates++;
    return 200;
  }
  let subject = '';
  try {
    subject = String((JSON.parse(body) as { subject?: unknown }).subject ?? '');
  } catch {
    return 400;
  }
  seen.set(key, { subject, at: now() });
  return 200;
}

const servers: Server[] = [];
for (let i = 0; i < agencies; i++) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = req.headers['idempotency-key'];
      const key = typeof raw === 'string' ? raw.replace(/^"|"$/g, '') : undefined;
      const status = handle(Buffer.concat(chunks).toString('utf8'), key);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': '21' });
      res.end('{"status":"accepted"}');
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  servers.push(server);
}
await Promise.all(servers.map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'count') process.send!({ unique: seen.size, duplicates, requests });
  else if (m.cmd === 'collect') {
    process.send!({
      unique: seen.size,
      duplicates,
      requests,
      records: [...seen].map(([k, v]) => [k, v.subject, v.at]),
    });
  } else if (m.cmd === 'clock') {
    process.send!({ now: now() });
  } else if (m.cmd === 'reset') {
    seen = new Map();
    requests = 0;
    duplicates = 0;
    process.send!({ reset: true });
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ports: servers.map((s) => (s.address() as AddressInfo).port) });
