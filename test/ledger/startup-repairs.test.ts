import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { recordRelease } from '../../src/broker/releases.ts';
import { isGovbridgeError } from '../../src/kernel/index.ts';
import { listProblems, runStartupRepairs } from '../../src/ledger/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';

/**
 * Start-up repairs never stop start-up (issue "Survive a bad day"), and a release whose ledger entry
 * would be invalid is refused before its row is written (issue "Odd but legal input"): no release
 * row the ledger then refuses, nothing for a later start to trip over.
 */
describe(`start-up repairs and release validation (${testDialect()})`, () => {
  let storage: Storage;
  before(async () => {
    storage = await openTestStorage();
  });
  after(async () => {
    await storage?.close();
  });

  test('a repair that throws is logged with a stable code and flagged; the next repair still runs', async () => {
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const log = {
      warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
    };
    let ranSecond = false;
    const healed = await runStartupRepairs(storage, log, [
      [
        'notifications',
        async () => {
          throw Object.assign(new TypeError('row 7 of account S1234567A is broken'), { code: 'E_ROW' });
        },
      ],
      [
        'releases',
        async () => {
          ranSecond = true;
          return 3;
        },
      ],
    ]);
    assert.equal(healed, 3);
    assert.ok(ranSecond);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.fields['event'], 'ledger_heal_failed');
    assert.equal(lines[0]?.fields['repair'], 'notifications');
    assert.doesNotMatch(
      JSON.stringify(lines),
      /S1234567A/,
      'the error message (it may quote a row) is not logged',
    );
    const flagged = (await listProblems(storage)).find((p) => p.kind === 'heal_failed');
    assert.equal(flagged?.ref, 'notifications');
    assert.doesNotMatch(flagged?.message ?? '', /S1234567A/);

    // Next start, the repair succeeds: the flag goes.
    await runStartupRepairs(storage, log, [['notifications', async () => 0]]);
    assert.equal(
      (await listProblems(storage)).find((p) => p.kind === 'heal_failed'),
      undefined,
    );
  });

  test('a release whose ledger entry would be invalid is refused before its row is written', async () => {
    const input = {
      accountId: 'account-x',
      clientId: 'a client id with spaces',
      clientCountry: 'GB',
      attributes: ['birthdate'],
      acr: 'urn:govbridge:loa:low',
      scheme: 'singpass',
      trustFrameworkVersion: '2026-11-27.1',
      consentId: null,
      grantId: null,
      at: new Date(),
    };
    await assert.rejects(recordRelease(storage, input), (e: unknown) => {
      assert.ok(isGovbridgeError(e));
      assert.equal(e.code, 'server_error');
      assert.match(e.message, /recipient\.id: identifier/);
      return true;
    });
    const rows = await storage.db
      .selectFrom('releases')
      .select('release_id')
      .where('client_id', '=', input.clientId)
      .execute();
    assert.equal(rows.length, 0, 'no release row written');
    // An id of the alphabet, even one beginning with "_" or "-", is recorded.
    for (const clientId of ['_abc', '-abc']) {
      const id = await recordRelease(storage, { ...input, clientId });
      assert.match(id, /^[0-9a-f-]{36}$/);
    }
  });
});
