import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ed25519Cosigner, ed25519NoteSigner, type ReleaseRecord } from '../../src/ledger/index.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { assertOneLineFailure, cli } from './support.ts';

/**
 * Two hubs, each the other's witness (issue "Transparency ledger"): hub B witnesses hub A's ledger
 * (`GOVBRIDGE_LEDGER_WITNESSED_LOGS` = A's verifier key) and hub A accepts B's cosignatures
 * (`GOVBRIDGE_LEDGER_WITNESS_KEYS` = B's cosigner key). Each hub's ledger key comes from a key file
 * made here, so both keys are known before either hub starts. `ledger cosign --witness <B>` on A
 * sends A's latest checkpoint to B (C2SP tlog-witness add-checkpoint), stores B's cosignature, and
 * A's /ledger/checkpoint and receipts then carry it; a later checkpoint is cosigned from the size B
 * last saw (after B's 409 says which).
 */
const dir = mkdtempSync(join(tmpdir(), 'govbridge-witness-'));
const ORIGIN_A = 'uk.govbridge.test/ledger';
const ORIGIN_B = 'sg.govbridge.test/ledger';

function keyFile(name: string): { file: string; jwk: JsonWebKey } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ keys: [{ ...jwk, kid: `${name}-ledger`, alg: 'EdDSA', use: 'sig' }] }),
  );
  return { file, jwk };
}

const release = (accountId: string): ReleaseRecord => ({
  releaseId: randomUUID(),
  recipient: { kind: 'service', id: 'demo-uk-service', country: 'GB' },
  released: ['birthdate', 'name'],
  accountId,
  consentId: null,
  decisions: ['release-within-environment'],
  trustFrameworkVersion: 'test',
});

describe(`two hubs witness each other's ledgers (${testDialect()})`, () => {
  const a = keyFile('hub-a');
  const b = keyFile('hub-b');
  const logKeyA = ed25519NoteSigner(ORIGIN_A, a.jwk).verifierKey;
  const witnessKeyB = ed25519Cosigner('sg.govbridge.test/witness', b.jwk).verifierKey;
  let hubA: TestHub;
  let hubB: TestHub;

  before(async () => {
    hubB = await startTestHub({
      LOG_LEVEL: 'silent',
      GOVBRIDGE_LEDGER_ORIGIN: ORIGIN_B,
      GOVBRIDGE_LEDGER_KEYS_FILE: b.file,
      GOVBRIDGE_LEDGER_WITNESSED_LOGS: logKeyA,
    });
    hubA = await startTestHub({
      LOG_LEVEL: 'silent',
      GOVBRIDGE_LEDGER_ORIGIN: ORIGIN_A,
      GOVBRIDGE_LEDGER_KEYS_FILE: a.file,
      GOVBRIDGE_LEDGER_WITNESS_KEYS: witnessKeyB,
    });
    await hubA.ctx.ledger.appendMany([release('citizen-1'), release('citizen-2'), release('citizen-1')]);
  });
  after(async () => {
    await hubA?.close();
    await hubB?.close();
  });

  test('the keys each hub publishes are the ones the other is configured with', async () => {
    assert.equal(hubA.ctx.ledger.verifierKey, logKeyA);
    assert.equal(hubB.ctx.witness?.verifierKey, witnessKeyB);
    const published = await cli(['ledger', 'verifier-key', '--witness'], hubB.env);
    assert.equal(published.code, 0, published.stderr);
    assert.equal(published.stdout.trim(), witnessKeyB);
    assert.equal((await (await fetch(`${hubA.url}/ledger/verifier-key`)).text()).trim(), logKeyA);
  });

  test('ledger cosign: B cosigns A’s checkpoint, A stores it and serves it', async () => {
    const r = await cli(['ledger', 'cosign', '--witness', hubB.url], hubA.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Cosigned by sg\.govbridge\.test\/witness at tree size 3: stored 1 cosignature\n$/,
    );
    const note = await (await fetch(`${hubA.url}/ledger/checkpoint`)).text();
    assert.match(note, /^uk\.govbridge\.test\/ledger\n3\n/);
    assert.match(note, /\n— sg\.govbridge\.test\/witness [A-Za-z0-9+/=]+\n$/);
    const state = await hubB.ctx.witness?.latest(ORIGIN_A);
    assert.equal(state?.size, 3);

    // A citizen's receipt now carries the cosignature, and the CLI checks it with B's key.
    const receipt = await hubA.ctx.ledger.receipt(1);
    const file = join(dir, 'receipt-1.json');
    writeFileSync(file, JSON.stringify(receipt));
    const ok = await cli([
      'ledger',
      'verify-receipt',
      file,
      '--key',
      logKeyA,
      '--witness-key',
      witnessKeyB,
      '--log',
      hubA.url,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /cosigned by: sg\.govbridge\.test\/witness at \d{4}-/);
    assert.match(ok.stdout, /Log OK/);
    // A witness the receipt was not cosigned by: it says so.
    const otherWitness = ed25519Cosigner(
      'sg.govbridge.test/witness',
      generateKeyPairSync('ed25519').privateKey,
    ).verifierKey;
    assertOneLineFailure(
      await cli(['ledger', 'verify-receipt', file, '--key', logKeyA, '--witness-key', otherWitness]),
      /does NOT verify: the receipt's checkpoint lacks the witness cosignatures asked for \(0 of the 1/,
    );
  });

  test('a later checkpoint: B answers 409 with the size it last cosigned, and A retries from it', async () => {
    await hubA.ctx.ledger.appendMany([release('citizen-3'), release('citizen-4')]);
    const r = await cli(['ledger', 'cosign', '--witness', hubB.url], hubA.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Cosigned by sg\.govbridge\.test\/witness at tree size 5 \(from size 3\): stored 1/,
    );
    assert.equal((await hubB.ctx.witness?.latest(ORIGIN_A))?.size, 5);
    const note = await (await fetch(`${hubA.url}/ledger/checkpoint`)).text();
    assert.match(note, /^uk\.govbridge\.test\/ledger\n5\n[\s\S]*\n— sg\.govbridge\.test\/witness /);
  });

  test('a witness that does not know the log, and a cosignature A is not configured to accept', async () => {
    // B's own log is witnessed by nobody: A does not run a witness at all.
    assertOneLineFailure(
      await cli(['ledger', 'cosign', '--witness', hubA.url], hubB.env),
      /The witness at .* refused checkpoint \d+: HTTP 404.*GOVBRIDGE_LEDGER_WITNESSED_LOGS must list/,
    );
    // A without B's key configured: B cosigns, but A refuses to keep a cosignature it cannot trust.
    await hubA.ctx.ledger.append(release('citizen-5'));
    const { GOVBRIDGE_LEDGER_WITNESS_KEYS: _, ...unconfigured } = hubA.env;
    assertOneLineFailure(
      await cli(['ledger', 'cosign', '--witness', hubB.url], unconfigured),
      /cosignature \(sg\.govbridge\.test\/witness\) was not stored: its key is not among GOVBRIDGE_LEDGER_WITNESS_KEYS/,
    );
    // Nothing to reach: one line.
    assertOneLineFailure(
      await cli(['ledger', 'cosign', '--witness', 'http://127.0.0.1:9'], hubA.env),
      /Could not reach the witness at http:\/\/127\.0\.0\.1:9\/ledger\/witness\/add-checkpoint/,
    );
  });
});
