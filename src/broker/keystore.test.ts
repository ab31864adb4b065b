import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { openTestStorage, testDialect } from '../../test/support/storage.ts';
import { KeyStore } from './keystore.ts';

const kek = new Uint8Array(32).fill(9);

test(`keystore (${testDialect()}): generates each purpose once, seals private keys, reloads them`, async () => {
  const s = await openTestStorage();
  try {
    const ks = new KeyStore({ storage: s, kek, allowGenerate: true });
    await ks.load();
    const hub = ks.active('hub-sig');
    assert.equal(hub.alg, 'ES256');
    assert.ok(hub.d, 'private key available');
    assert.equal(ks.active('onelogin-sig').alg, 'RS256');
    assert.equal(ks.active('singpass-enc').alg, 'ECDH-ES+A256KW');
    assert.equal(ks.active('notify-sig').alg, 'ES256');
    const rows = await s.db.selectFrom('keys').selectAll().execute();
    assert.equal(rows.length, 6);
    for (const r of rows) {
      assert.doesNotMatch(r.private_jwk_sealed, /"d"/, 'private half is sealed');
      assert.equal(JSON.parse(r.public_jwk).d, undefined);
    }
    const again = new KeyStore({ storage: s, kek, allowGenerate: true });
    await again.load();
    assert.equal(again.active('hub-sig').kid, hub.kid);
    assert.equal((await s.db.selectFrom('keys').selectAll().execute()).length, 6);
    // A row whose public key was swapped (database write access, no KEK) no longer opens.
    const [row] = rows;
    const other = JSON.parse(rows[1]!.public_jwk);
    await s.db
      .updateTable('keys')
      .set({ public_jwk: JSON.stringify({ ...other, kid: row!.kid }) })
      .where('kid', '=', row!.kid)
      .execute();
    await assert.rejects(
      new KeyStore({ storage: s, kek, allowGenerate: true }).load(),
      /failed authentication/,
    );
    await s.db.updateTable('keys').set({ public_jwk: row!.public_jwk }).where('kid', '=', row!.kid).execute();
    // The wrong key-encryption key cannot open them.
    await assert.rejects(
      new KeyStore({ storage: s, kek: new Uint8Array(32), allowGenerate: true }).load(),
      /failed authentication/,
    );
  } finally {
    await s.close();
  }
});

test(`keystore (${testDialect()}): production never generates`, async () => {
  const s = await openTestStorage();
  try {
    await assert.rejects(
      new KeyStore({ storage: s, kek, allowGenerate: false }).load(),
      /generated keys are refused/,
    );
  } finally {
    await s.close();
  }
});

test(`keystore (${testDialect()}): rotation keeps the old key published until it expires`, async () => {
  const s = await openTestStorage();
  try {
    let now = Date.UTC(2026, 10, 27);
    const clock = { now: () => new Date(now), epochSeconds: () => Math.floor(now / 1000) };
    const ks = new KeyStore({ storage: s, kek, allowGenerate: true, clock });
    await ks.load();
    const old = ks.active('hub-sig').kid;
    const r = await ks.rotate('hub-sig', 3600);
    assert.deepEqual(r.retired, [old]);
    assert.notEqual(ks.active('hub-sig').kid, old);
    assert.deepEqual(
      ks.publicJwks('hub-sig').keys.map((k) => k.kid),
      [r.kid, old],
    );
    now += 3601 * 1000;
    assert.deepEqual(
      ks.publicJwks('hub-sig').keys.map((k) => k.kid),
      [r.kid],
    );
  } finally {
    await s.close();
  }
});

test('keystore: key files are validated against the pinned algorithm', async () => {
  const s = await openTestStorage();
  const dir = mkdtempSync(join(tmpdir(), 'gb-keys-'));
  try {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const good = join(dir, 'hub.json');
    writeFileSync(
      good,
      JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] }),
    );
    const ks = new KeyStore({ storage: s, kek, allowGenerate: true, files: { 'hub-sig': good } });
    await ks.load();
    assert.equal(ks.active('hub-sig').kid, 'k1');
    await assert.rejects(ks.rotate('hub-sig', 1), /come from a file/);

    const wrongAlg = join(dir, 'rs.json');
    writeFileSync(
      wrongAlg,
      JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'k2', alg: 'RS256', use: 'sig' }] }),
    );
    await assert.rejects(
      new KeyStore({ storage: s, kek, allowGenerate: true, files: { 'hub-sig': wrongAlg } }).load(),
      /must have alg ES256/,
    );
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, 'nope');
    await assert.rejects(
      new KeyStore({ storage: s, kek, allowGenerate: true, files: { 'hub-sig': notJson } }).load(),
      /not readable JSON/,
    );
  } finally {
    await s.close();
  }
});
