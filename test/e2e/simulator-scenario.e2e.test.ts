import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestBrowser } from '../support/http.ts';
import { startTestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/** Simulator error scenarios chosen by configuration (not per request). */
describe(`simulator scenarios by configuration (${testDialect()})`, () => {
  test('GOVBRIDGE_SINGPASS_SIMULATOR_SCENARIO=access_denied: every Singpass login is refused', async () => {
    const hub = await startTestHub({ GOVBRIDGE_SINGPASS_SIMULATOR_SCENARIO: 'access_denied' });
    try {
      const b = new TestBrowser();
      const r = await b.follow(`${hub.url}/demo/uk/sign-in?login_hint=sg-citizen-mid`, {}, (l) =>
        l.pathname.endsWith('/demo/uk/callback'),
      );
      assert.equal(new URL(r.url).searchParams.get('error'), 'access_denied', b.visited.join('\n'));
    } finally {
      await hub.close();
    }
  });

  test('an unknown scenario stops start-up naming the variable', async () => {
    await assert.rejects(
      startTestHub({ GOVBRIDGE_ONELOGIN_SIMULATOR_SCENARIO: 'meltdown' }),
      (err: Error) => {
        assert.match(err.message, /GOVBRIDGE_ONELOGIN_SIMULATOR_SCENARIO must be one of .*access_denied/);
        return true;
      },
    );
  });
});
