import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isGovbridgeError } from '../../src/kernel/index.ts';
import { keyPair, startReceiver, type TestReceiver } from '../support/receiver.ts';
import { agencyRegistration, drainQueue, MOVE_FIELDS, type NotifyFixture, notifyFixture } from './support.ts';

let f: NotifyFixture;
let uk: TestReceiver;
let sg: TestReceiver;

before(async () => {
  f = await notifyFixture();
  uk = await startReceiver({ agencyId: 'uk_tax', hubPublicJwk: f.hubPublicJwk });
  sg = await startReceiver({ agencyId: 'sg_ica', hubPublicJwk: f.hubPublicJwk });
  await f.agencies.register(
    agencyRegistration('uk_tax', uk.url, uk.publicJwk, [
      { eventType: 'moving-abroad', attributes: ['name', 'birthdate', 'date_of_move', 'new_address'] },
    ]),
  );
  await f.agencies.register({
    ...agencyRegistration('sg_ica', sg.url, sg.publicJwk, [
      { eventType: 'moving-abroad', attributes: ['name', 'nationalities', 'to_country', 'new_address'] },
      { eventType: 'death', attributes: ['deceased_name', 'date_of_death'] },
    ]),
    country: 'SG',
  });
});

after(async () => {
  await uk.close();
  await sg.close();
  await f.close();
});

const expectError = async (p: Promise<unknown>, code: string, match?: RegExp) => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isGovbridgeError(err), String(err));
    assert.equal(err.code, code);
    if (match) assert.match(err.message, match);
    return true;
  });
};

test('preview says which agency receives which fields — only what each is entitled to', async () => {
  const plan = await f.reports.preview({
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
  });
  const byAgency = Object.fromEntries(plan.map((p) => [p.agency.agencyId, p.attributes]));
  assert.deepEqual(byAgency, {
    uk_tax: ['name', 'birthdate', 'date_of_move', 'new_address'],
    sg_ica: ['name', 'nationalities', 'to_country', 'new_address'],
  });
  // Nothing was written.
  assert.equal((await f.storage.db.selectFrom('reports').select('report_id').execute()).length, 0);
});

test('report once: the report and one notification per agency in one transaction, delivered signed and encrypted', async () => {
  const { reportId, created } = await f.reports.submit({
    accountId: 'acc-1',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
    submissionKey: 'form-1',
  });
  assert.equal(created, true);
  const rows = await f.storage.db
    .selectFrom('notifications')
    .selectAll()
    .where('report_id', '=', reportId)
    .execute();
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.state === 'pending'));
  // Values are sealed: no field value appears in clear in the outbox.
  for (const r of rows) assert.ok(!r.payload_sealed.includes('Horse Guards'));

  const worker = f.worker();
  await drainQueue(worker, async () => uk.events.length === 1 && sg.events.length === 1);
  assert.deepEqual(uk.events[0]!.attributes, {
    name: 'TAN AH KOW',
    birthdate: '1985-04-12',
    date_of_move: '2026-12-01',
    new_address: '1 Horse Guards Road, London SW1A 2HQ',
  });
  assert.deepEqual(Object.keys(sg.events[0]!.attributes).sort(), [
    'name',
    'nationalities',
    'new_address',
    'to_country',
  ]);
  assert.equal(uk.events[0]!.type, 'uk.gov.govbridge.moving-abroad.v1');
  assert.equal(uk.events[0]!.subject, reportId);

  const view = await f.reports.get('acc-1', reportId);
  assert.deepEqual(
    view.notifications.map((n) => [n.agency.agencyId, n.state]),
    [
      ['uk_tax', 'delivered'],
      ['sg_ica', 'delivered'],
    ],
  );
  assert.ok(view.notifications.every((n) => n.deliveredAt !== null));
  // Another citizen cannot read it.
  await expectError(f.reports.get('acc-2', reportId), 'not_found');
});

test('the same confirmation submitted twice makes one report', async () => {
  const input = {
    accountId: 'acc-1',
    eventType: 'death',
    occurredOn: '2026-11-20',
    fields: {
      deceased_name: 'LIM BENG HUAT',
      deceased_birthdate: '1940-01-02',
      date_of_death: '2026-11-20',
      informant_name: 'LIM MEI LING',
    },
    submissionKey: 'form-2',
  };
  const [a, b] = await Promise.all([f.reports.submit(input), f.reports.submit(input)]);
  assert.equal(a.reportId, b.reportId);
  assert.equal([a.created, b.created].filter(Boolean).length, 1);
  const n = await f.storage.db
    .selectFrom('notifications')
    .select('notification_id')
    .where('report_id', '=', a.reportId)
    .execute();
  assert.equal(n.length, 1, 'only sg_ica subscribes to death');
});

test('reports with missing, malformed or contradictory data are refused with every reason, and nothing is written', async () => {
  const before = (await f.storage.db.selectFrom('reports').select('report_id').execute()).length;
  const submit = (fields: Record<string, unknown>, eventType = 'death', occurredOn = '2026-11-20') =>
    f.reports.submit({
      accountId: 'acc-3',
      eventType,
      occurredOn,
      fields: fields as never,
      submissionKey: `k-${Math.random()}`.replace('.', ''),
    });
  await expectError(submit({ deceased_name: 'X' }), 'invalid_request', /date_of_death: is required/);
  await expectError(
    submit({
      deceased_name: 'X',
      deceased_birthdate: '1950-02-30',
      date_of_death: '2026-11-20',
      informant_name: 'Y',
    }),
    'invalid_request',
    /deceased_birthdate: must be a real date/,
  );
  await expectError(
    submit({
      deceased_name: 'X',
      deceased_birthdate: '1950-01-01',
      date_of_death: '2999-01-01',
      informant_name: 'Y',
    }),
    'invalid_request',
    /date_of_death: must be today or in the past/,
  );
  await expectError(
    submit({
      deceased_name: 'X',
      deceased_birthdate: '2000-01-01',
      date_of_death: '1999-01-01',
      informant_name: 'Y',
    }),
    'invalid_request',
    /the date of death is before the date of birth/,
  );
  await expectError(
    submit({ ...MOVE_FIELDS, to_country: 'SG' }, 'moving-abroad', '2026-12-01'),
    'invalid_request',
    /to_country: the country moved to is the country left/,
  );
  await expectError(
    submit(
      { ...MOVE_FIELDS, nationalities: 'SG', email: 'not-an-email', favourite_colour: 'blue' },
      'moving-abroad',
    ),
    'invalid_request',
    /nationalities: must be a list[\s\S]*email: must be an email address[\s\S]*"favourite_colour" is not part of/,
  );
  await expectError(submit({ deceased_name: 42 }), 'invalid_request', /deceased_name: must be text/);
  await expectError(submit({}, 'marriage'), 'not_found', /Unknown event type/);
  assert.equal((await f.storage.db.selectFrom('reports').select('report_id').execute()).length, before);
});

test('an event no agency subscribes to is refused clearly', async () => {
  await expectError(
    f.reports.submit({
      accountId: 'acc-1',
      eventType: 'birth',
      occurredOn: '2026-11-01',
      fields: { child_name: 'A', child_birthdate: '2026-11-01', parent_name: 'B' },
      submissionKey: 'form-birth',
    }),
    'conflict',
    /No agency is registered/,
  );
});

test('agency registrations are validated: endpoint, key, environment, event types and fields', async () => {
  const { publicJwk } = await keyPair();
  const { privateKey } = await keyPair();
  const ok = agencyRegistration('uk_ok', 'https://agency.example/notify', publicJwk, [
    { eventType: 'death', attributes: ['deceased_name'] },
  ]);
  await f.agencies.validate(ok);
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['plain http off loopback', { endpoint: 'http://agency.example/notify' }, /endpoint: must be https/],
    [
      'credentials in the endpoint',
      { endpoint: 'https://u:p@agency.example/' },
      /must not carry credentials/,
    ],
    ['unknown environment', { environment: 'moon-base' }, /unknown hosting environment "moon-base"/],
    ['no environment', { environment: undefined }, /environment/],
    ['a private key', { encryptionJwk: { ...publicJwk, d: 'x'.repeat(43) } }, /holds a private key/],
    ['an RSA key', { encryptionJwk: { kty: 'RSA', n: 'x', e: 'AQAB' } }, /must be an EC key/],
    [
      'unknown event type',
      { subscriptions: [{ eventType: 'marriage', attributes: ['x'] }] },
      /unknown event type "marriage"/,
    ],
    [
      'a field not in the event',
      { subscriptions: [{ eventType: 'death', attributes: ['deceased_name', 'salary'] }] },
      /"salary" is not a field of death/,
    ],
    ['no subscriptions', { subscriptions: [] }, /subscribe to at least one event type/],
    ['a bad id', { agencyId: 'HMRC!' }, /agencyId/],
  ];
  for (const [name, change, message] of cases) {
    await expectError(f.agencies.validate({ ...ok, ...change }), 'invalid_request', message).catch((e) => {
      throw new Error(`${name}: ${e}`);
    });
  }
  void privateKey;
  // Production refuses plain http even on loopback.
  const { AgencyRegistry } = await import('../../src/notifications/index.ts');
  const prod = new AgencyRegistry({
    storage: f.storage,
    eventTypes: (await import('./support.ts')).eventTypes,
    environments: new Set(['uk-public-cloud']),
    allowLoopbackHttp: false,
    defaultMaxAttempts: 3,
  });
  await expectError(
    prod.validate({ ...ok, endpoint: 'http://127.0.0.1:9/notify' }),
    'invalid_request',
    /production refuses plain http/,
  );
});
