import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { AgencyRegistry, type ReleaseDecider, ReportService } from '../../src/notifications/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { keyPair } from '../support/receiver.ts';
import { openTestStorage } from '../support/storage.ts';
import { agencyRegistration, ENVIRONMENTS, eventTypes, MOVE_FIELDS } from './support.ts';

/**
 * The citizen's confirmation reaches the release decision: a report written on "check before you
 * send" asks the decider with the fields confirmed for each agency (its `consentGiven`), and the plan
 * shown before they confirm is asked without them.
 */

let storage: Storage;
let agencies: AgencyRegistry;
const kek = new Uint8Array(randomBytes(32));

before(async () => {
  storage = await openTestStorage();
  agencies = new AgencyRegistry({
    storage,
    eventTypes,
    environments: ENVIRONMENTS,
    allowLoopbackHttp: true,
    defaultMaxAttempts: 4,
  });
  const { publicJwk } = await keyPair();
  for (const id of ['uk_confirm_a', 'uk_confirm_b']) {
    await agencies.register(
      agencyRegistration(id, 'http://127.0.0.1:9/notify', publicJwk as Record<string, unknown>, [
        { eventType: 'moving-abroad', attributes: ['name', 'new_address'] },
      ]),
    );
  }
});

after(async () => {
  await storage?.close();
});

test('the fields confirmed for each agency are what the release decider is asked with', async () => {
  const asked: { agency: string; confirmed: readonly string[] | undefined }[] = [];
  // Allows a field only when it was confirmed to that agency (or nothing was confirmed yet).
  const decide: ReleaseDecider = ({ agency, fields, confirmed }) => {
    asked.push({ agency: agency.agencyId, confirmed });
    return fields.map((field) => ({
      field,
      allowed: confirmed === undefined || confirmed.includes(field),
      policies: confirmed === undefined || confirmed.includes(field) ? [] : ['consent'],
      reason: '',
    }));
  };
  const reports = new ReportService({ storage, kek, agencies, eventTypes, decide });
  const input = {
    accountId: 'acc-confirm',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
  };

  const preview = await reports.preview(input);
  assert.deepEqual(
    asked.map((a) => a.confirmed),
    asked.map(() => undefined),
    'the plan before confirmation is asked without it',
  );
  assert.ok(preview.every((p) => p.attributes.includes('new_address')));

  asked.length = 0;
  await reports.submit({
    ...input,
    submissionKey: 'confirm-1',
    confirmed: { uk_confirm_a: ['name', 'new_address'], uk_confirm_b: ['name'] },
  });
  const byAgency = Object.fromEntries(asked.map((a) => [a.agency, a.confirmed]));
  assert.deepEqual(byAgency['uk_confirm_a'], ['name', 'new_address']);
  assert.deepEqual(byAgency['uk_confirm_b'], ['name']);

  const rows = await storage.db
    .selectFrom('notifications')
    .innerJoin('reports', 'reports.report_id', 'notifications.report_id')
    .select(['notifications.agency_id'])
    .where('reports.submission_key', '=', 'confirm-1')
    .execute();
  assert.deepEqual(rows.map((r) => r.agency_id).sort(), ['uk_confirm_a', 'uk_confirm_b']);
});
