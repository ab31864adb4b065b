import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/web/index.ts';
import { findForm, submitPage } from '../support/http.ts';
import { startTestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { errorSummary, get, send, signIn, startJourney } from './support.ts';

/** Telling government once, at the most verbose log level: no value the citizen typed reaches a log line. */
test(`tell → check → send logs no personal data or sealed review (${testDialect()})`, async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const hub = await startTestHub({}, { logger: createLogger({ logLevel: 'trace' }, sink) });
  try {
    const b = await signIn(hub);
    const id = await startJourney(hub, b, 'death_of_a_loved_one', ['1', '3', '2025']);
    const tell = await get(hub, b, `/life-events/journeys/${id}/tell`);
    const check = await submitPage(b, tell, '/tell', {
      deceased_name: 'QUENTIN ZAPHOD-BEEBLEBROX',
      'deceased_birthdate-day': '17',
      'deceased_birthdate-month': '11',
      'deceased_birthdate-year': '1937',
      deceased_address: '42 Improbable Lane, Singapore 424242',
      informant_name: 'ZELDA ZAPHOD',
      informant_email: 'zelda.zaphod@example.sg',
    });
    assert.equal(check.status, 200, errorSummary(check.html));
    const review = findForm(check.html, '/tell/confirm').fields['review']!;
    const sent = await send(b, check);
    assert.match(new URL(sent.url).pathname, /^\/life-events\/reports\/rpt_/);

    const log = lines.join('');
    assert.ok(lines.length > 10, `expected request logs, got ${lines.length} lines`);
    for (const secret of [
      'ZAPHOD',
      'Zaphod',
      '1937-11-17',
      'Improbable',
      'zelda.zaphod',
      review.slice(0, 30),
      review.slice(-30),
    ]) {
      assert.ok(!log.includes(secret), `log contains ${secret.slice(0, 12)}…`);
    }
  } finally {
    await hub.close();
  }
});
