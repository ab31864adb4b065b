import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listProblems } from '../../src/ledger/index.ts';
import { appendUnledgeredNotifications } from '../../src/notifications/index.ts';
import { MOVE_FIELDS } from '../ledger/support.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Start-up healing of notifications a crash left out of the ledger handles each row on its own
 * (issue "Survive a bad day"): a row whose entry would be invalid or whose stored columns cannot be read is
 * logged once and flagged for the operator; the others are appended; a fixed row is appended at the
 * next start and its flag cleared.
 */
describe(`notifications missing from the ledger are healed row by row (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ LOG_LEVEL: 'silent', GOVBRIDGE_NOTIFICATION_WORKER: 'false' });
  });
  after(async () => {
    await hub?.close();
  });

  test('a bad row is flagged, never keeps the good ones out', async () => {
    const db = hub.ctx.storage.db;
    const account = 'account-heal-test';
    const { reportId } = await hub.ctx.notifications.reports.submit({
      accountId: account,
      eventType: 'moving-abroad',
      occurredOn: MOVE_FIELDS.date_of_move,
      fields: MOVE_FIELDS,
      submissionKey: 'heal-per-row-1',
    });
    const model = await db
      .selectFrom('notifications')
      .selectAll()
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();
    // Rows as a crash between the outbox commit and the ledger append would leave them.
    const row = (id: string, changes: Partial<typeof model>) => ({
      ...model,
      notification_id: id,
      ...changes,
    });
    await db
      .insertInto('notifications')
      .values([
        row('ntf_heal_ok', {}),
        row('ntf heal: not an identifier', {}),
        row('ntf_heal_unreadable', { attributes: 'not json' }),
      ])
      .execute();

    const lines: Record<string, unknown>[] = [];
    const log = { warn: (fields: Record<string, unknown>) => lines.push(fields) };
    const version = hub.ctx.trust.version;
    assert.equal(await appendUnledgeredNotifications(hub.ctx.storage, hub.ctx.ledger, version, log), 1);

    const ledgered = await db
      .selectFrom('ledger_entries')
      .select('release_id')
      .where('release_id', 'in', ['ntf_heal_ok', 'ntf heal: not an identifier', 'ntf_heal_unreadable'])
      .execute();
    assert.deepEqual(
      ledgered.map((r) => r.release_id),
      ['ntf_heal_ok'],
    );
    assert.deepEqual(lines.map((l) => [l['event'], l['problem'], l['ref']]).sort(), [
      ['ledger_heal_row_refused', 'notification_unledgerable', 'ntf heal: not an identifier'],
      ['ledger_heal_row_refused', 'notification_unreadable', 'ntf_heal_unreadable'],
    ]);
    assert.doesNotMatch(JSON.stringify(lines), /TEO|Horse Guards|account-heal-test/);
    const flagged = (await listProblems(hub.ctx.storage)).map((p) => [p.kind, p.ref]).sort();
    assert.deepEqual(flagged, [
      ['notification_unledgerable', 'ntf heal: not an identifier'],
      ['notification_unreadable', 'ntf_heal_unreadable'],
    ]);

    // The operator repairs the unreadable row; the next start appends it and clears its flag.
    await db
      .updateTable('notifications')
      .set({ attributes: model.attributes })
      .where('notification_id', '=', 'ntf_heal_unreadable')
      .execute();
    assert.equal(await appendUnledgeredNotifications(hub.ctx.storage, hub.ctx.ledger, version, log), 1);
    assert.deepEqual(
      (await listProblems(hub.ctx.storage)).map((p) => p.ref),
      ['ntf heal: not an identifier'],
    );
    await hub.ctx.ledger.verifyIntegrity();
  });
});
