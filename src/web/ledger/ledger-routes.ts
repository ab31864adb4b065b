import type { FastifyPluginAsync } from 'fastify';
import { GovbridgeError } from '../../kernel/index.ts';
import { type Ledger, type Witness, WitnessError } from '../../ledger/index.ts';

/**
 * The transparency ledger's public face, so anyone — a citizen's verifier, an auditor, the other
 * country's hub — can check it without trusting us:
 *   GET  /ledger/verifier-key                 the note verifier key (`<origin>+<key id>+<key>`)
 *   GET  /ledger/checkpoint                   the latest signed checkpoint (C2SP signed note, with cosignatures)
 *   GET  /ledger/consistency?from=M&to=N      an RFC 9162 consistency proof between two tree sizes
 *   POST /ledger/witness/add-checkpoint       (when this hub witnesses other logs) C2SP tlog-witness
 *   POST /ledger/cosignatures?size=N          a witness hands back its cosignature of our checkpoint
 * Entries themselves are not served: they name citizens by salted hash, and each citizen gets their
 * own entries with proofs on their account page.
 */
export interface LedgerRoutesOptions {
  ledger: Ledger;
  witness: Witness | undefined;
}

const NOTE_LIMIT = 64 * 1024;

function size(value: unknown, name: string): number {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new GovbridgeError('bad_request', `${name} must be a tree size (a whole number)`);
  }
  return Number(value);
}

export const ledgerRoutes: FastifyPluginAsync<LedgerRoutesOptions> = async (app, { ledger, witness }) => {
  // Notes are text (C2SP); accept them as such.
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: NOTE_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.get('/verifier-key', async (_req, reply) =>
    reply
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(`${ledger.verifierKey}\n`),
  );

  app.get('/checkpoint', async (_req, reply) => {
    const cp = (await ledger.latestCheckpoint()) ?? (await ledger.checkpoint());
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(cp.note);
  });

  app.get('/consistency', async (req) => {
    const q = req.query as { from?: unknown; to?: unknown };
    const from = size(q.from, 'from');
    const to = size(q.to, 'to');
    const current = await ledger.size();
    if (from > to || to > current) {
      throw new GovbridgeError('bad_request', `Sizes must satisfy from ≤ to ≤ ${current} (the current size)`);
    }
    return ledger.consistencyProof(from, to);
  });

  app.post('/cosignatures', { bodyLimit: NOTE_LIMIT }, async (req) => {
    const q = req.query as { size?: unknown };
    const n = size(q.size, 'size');
    if (typeof req.body !== 'string' || req.body.length === 0) {
      throw new GovbridgeError('bad_request', 'Send the cosignature lines as text/plain');
    }
    return ledger.addCosignatures(n, req.body);
  });

  if (witness) {
    app.post('/witness/add-checkpoint', { bodyLimit: NOTE_LIMIT }, async (req, reply) => {
      if (typeof req.body !== 'string') {
        throw new GovbridgeError('bad_request', 'Send the add-checkpoint request as text/plain');
      }
      try {
        return reply.type('text/plain; charset=utf-8').send(await witness.addCheckpoint(req.body));
      } catch (err) {
        // C2SP tlog-witness: a 409 carries the size the witness last cosigned, as text/x.tlog.size,
        // so the log can send a consistency proof from there.
        if (err instanceof WitnessError && err.status === 409 && err.latestSize !== undefined) {
          return reply.code(409).type('text/x.tlog.size').send(`${err.latestSize}\n`);
        }
        throw err;
      }
    });
  }
};
