import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { fixedClock } from '../kernel/index.ts';
import {
  createLedger,
  createWitness,
  ed25519Cosigner,
  ed25519NoteSigner,
  formatCheckpoint,
  LedgerError,
  parseAddCheckpoint,
  signNote,
  verifyReceipt,
  WitnessError,
} from './index.ts';
import { syntheticRecord } from './test-fixtures.ts';

const UK = 'uk.govbridge.example/ledger';
const SG_WITNESS = 'sg.govbridge.example/witness';

const rejectsWith = (status: number, reason: string, latestSize?: number) => (e: unknown) => {
  assert.ok(e instanceof WitnessError, String(e));
  assert.equal(e.status, status, e.message);
  assert.equal(e.reason, reason);
  if (latestSize !== undefined) assert.equal(e.latestSize, latestSize);
  return true;
};

test(`witness (${testDialect()}): the other hub cosigns our checkpoints per C2SP tlog-witness, and refuses forks`, async () => {
  const ukDb = await openTestStorage();
  const sgDb = await openTestStorage();
  const { privateKey: logKey } = generateKeyPairSync('ed25519');
  const ledger = createLedger({ storage: ukDb, signer: logKey, origin: UK, witnesses: [] });
  const at = new Date('2026-11-27T10:00:00Z');
  const witness = createWitness({
    storage: sgDb,
    name: SG_WITNESS,
    privateKey: generateKeyPairSync('ed25519').privateKey,
    logs: [{ origin: UK, verifierKeys: [ledger.verifierKey] }],
    clock: fixedClock(at),
  });
  // Our ledger accepts this witness's cosignatures.
  const withWitness = createLedger({
    storage: ukDb,
    signer: logKey,
    origin: UK,
    witnesses: [witness.verifierKey],
  });
  try {
    await ledger.appendMany(Array.from({ length: 10 }, (_, i) => syntheticRecord(i)));
    const cp10 = await ledger.checkpoint();
    const body = await ledger.witnessRequest(0);
    assert.equal(body, `old 0\n\n${cp10.note}`);
    const lines = await witness.addCheckpoint(body);
    assert.match(lines, /^— sg\.govbridge\.example\/witness [A-Za-z0-9+/]+=*\n$/);
    assert.deepEqual(await withWitness.addCosignatures(10, lines), { stored: 1, ignored: 0 });
    assert.deepEqual((await withWitness.latestCheckpoint())!.witnesses, [SG_WITNESS]);

    const receipt = await withWitness.receipt(3);
    const checked = verifyReceipt(receipt, ledger.verifierKey, {
      witnesses: [witness.verifierKey],
      quorum: 1,
    });
    assert.ok(checked.ok, !checked.ok ? checked.error.message : '');
    assert.deepEqual(checked.value.cosignatures, [{ name: SG_WITNESS, timestamp: at.getTime() / 1000 }]);
    const tooFew = verifyReceipt(receipt, ledger.verifierKey, {
      witnesses: [witness.verifierKey],
      quorum: 2,
    });
    assert.equal(!tooFew.ok && tooFew.error.reason, 'too_few_cosignatures');

    // The log grows; the witness moves on with a consistency proof.
    await ledger.appendMany(Array.from({ length: 7 }, (_, i) => syntheticRecord(10 + i)));
    const cp17 = await ledger.checkpoint();
    const body17 = await ledger.witnessRequest(10);
    assert.equal(
      parseAddCheckpoint(body17).proof.length,
      (await ledger.consistencyProof(10, 17)).hashes.length,
    );
    await withWitness.addCosignatures(17, await witness.addCheckpoint(body17));
    assert.equal((await witness.latest(UK))!.size, 17);

    // From a size the witness has moved past: 409 with the size it holds.
    await assert.rejects(witness.addCheckpoint(body17), rejectsWith(409, 'conflict', 17));
    await assert.rejects(witness.addCheckpoint(body), rejectsWith(409, 'conflict', 17));
    // The same checkpoint again from its own size: consistent, cosigned again.
    await witness.addCheckpoint(`old 17\n\n${cp17.note}`);
    // Two requests racing from the same old size: exactly one wins.
    await ledger.appendMany(Array.from({ length: 5 }, (_, i) => syntheticRecord(17 + i)));
    await ledger.checkpoint();
    const body22 = await ledger.witnessRequest(17);
    const raced = await Promise.allSettled([witness.addCheckpoint(body22), witness.addCheckpoint(body22)]);
    assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected']);

    // A fork: somebody with the log's key signs a different history. The witness refuses it.
    const forkDb = await openTestStorage();
    const fork = createLedger({ storage: forkDb, signer: logKey, origin: UK });
    try {
      await fork.appendMany(Array.from({ length: 30 }, (_, i) => syntheticRecord(i, { prefix: 'forged' })));
      await fork.checkpoint();
      await assert.rejects(
        witness.addCheckpoint(await fork.witnessRequest(22)),
        rejectsWith(422, 'unprocessable'),
      );
    } finally {
      await fork.close();
      await forkDb.close();
    }

    // A rollback to an older checkpoint, a broken proof, another key, another log, garbage.
    await assert.rejects(witness.addCheckpoint(`old 22\n\n${cp17.note}`), rejectsWith(400, 'bad_request'));
    await ledger.appendMany(Array.from({ length: 4 }, (_, i) => syntheticRecord(22 + i)));
    await ledger.checkpoint();
    const body26 = await ledger.witnessRequest(22);
    const proofLine = body26.split('\n')[1]!;
    const broken = body26.replace(proofLine, Buffer.alloc(32, 7).toString('base64'));
    await assert.rejects(witness.addCheckpoint(broken), rejectsWith(422, 'unprocessable'));
    // The same checkpoint text signed under the log's name with another key.
    const text26 = (await ledger.checkpointAt(26))!.note.split('\n\n')[0]!;
    const impostor = ed25519NoteSigner(UK, generateKeyPairSync('ed25519').privateKey);
    const resigned = signNote(`${text26}\n`, [impostor]);
    await assert.rejects(
      witness.addCheckpoint(body26.replace(/\n\n[\s\S]*$/, `\n\n${resigned}`)),
      rejectsWith(403, 'forbidden'),
    );
    await assert.rejects(
      witness.addCheckpoint(
        `old 0\n\nsomewhere.else/log\n1\n${Buffer.alloc(32).toString('base64')}\n\n— somewhere.else/log AAAAAAA=\n`,
      ),
      rejectsWith(404, 'unknown_log'),
    );
    const badEmpty = signNote(
      formatCheckpoint({ origin: UK, size: 0, rootHash: Buffer.alloc(32, 1), extensions: [] }),
      [ed25519NoteSigner(UK, logKey)],
    );
    await assert.rejects(witness.addCheckpoint(`old 0\n\n${badEmpty}`), rejectsWith(422, 'unprocessable'));
    await assert.rejects(witness.addCheckpoint('old 01\n\nx'), rejectsWith(400, 'bad_request'));
    await assert.rejects(witness.addCheckpoint('nonsense'), rejectsWith(400, 'bad_request'));
    await assert.rejects(
      witness.addCheckpoint(`old 22\nnot base64\n\n${cp17.note}`),
      rejectsWith(400, 'bad_request'),
    );
    // The honest request still goes through after all that.
    await withWitness.addCosignatures(26, await witness.addCheckpoint(body26));

    // Cosignatures by unknown witnesses are ignored; a bad one from a known witness is refused.
    const stranger = ed25519Cosigner('stranger.example/w', generateKeyPairSync('ed25519').privateKey);
    const strangerLine = signNote(`${UK}\n26\n${(await ledger.checkpointAt(26))!.rootHash}\n`, [
      stranger,
    ]).split('\n\n')[1]!;
    assert.deepEqual(await withWitness.addCosignatures(26, strangerLine), { stored: 0, ignored: 1 });
    // Same name, another key: a different key ID, so also an unknown key.
    assert.deepEqual(
      await withWitness.addCosignatures(26, strangerLine.replace('stranger.example/w', SG_WITNESS)),
      {
        stored: 0,
        ignored: 1,
      },
    );
    const real = (await withWitness.checkpointAt(26))!.note
      .split('\n')
      .find((l) => l.startsWith(`— ${SG_WITNESS} `))!;
    const bytes = Buffer.from(real.split(' ')[2]!, 'base64');
    bytes[40]! ^= 1;
    const forgedLine = `— ${SG_WITNESS} ${bytes.toString('base64')}`;
    await assert.rejects(
      withWitness.addCosignatures(26, forgedLine),
      (e: unknown) => e instanceof LedgerError && e.reason === 'invalid_signature',
    );
  } finally {
    await ledger.close();
    await withWitness.close();
    await ukDb.close();
    await sgDb.close();
  }
});
