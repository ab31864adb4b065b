import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GovbridgeError } from '../../kernel/index.ts';
import { ERROR_ROUTES, errorRoute, toOidcError } from './error-routes.ts';

const err = (code: string, detail?: Record<string, unknown>) =>
  new GovbridgeError(code as 'bad_request', `a ${code}`, detail ? { detail } : {});

test('error routes: the table decides relying party or page, by phase and code', () => {
  // Starting: the relying party's own request cannot be served → back to it; an outage → a page.
  for (const code of ['unmet_authentication_requirements', 'invalid_request', 'access_denied']) {
    assert.equal(errorRoute(err(code), 'start'), 'relying-party', code);
  }
  assert.equal(errorRoute(err('rate_limited'), 'start'), 'page');
  assert.equal(errorRoute(err('upstream_unavailable'), 'start'), 'page');
  const parRefused = err('upstream_invalid_response', {
    check: 'par',
    status: 400,
    error: 'invalid_request',
  });
  assert.equal(errorRoute(parRefused, 'start'), 'relying-party');
  assert.equal(toOidcError(parRefused).error, 'server_error');
  const parDown = err('upstream_invalid_response', { check: 'par', status: 503 });
  assert.equal(errorRoute(parDown, 'start'), 'page');

  // The browser's response (state, binding): always a page.
  assert.equal(errorRoute(err('bad_request', { check: 'state' }), 'response'), 'page');
  assert.equal(errorRoute(err('invalid_client'), 'response'), 'page');

  // After the state is used: the relying party, except an outage the person can retry.
  assert.equal(errorRoute(err('upstream_timeout'), 'upstream'), 'page');
  assert.equal(errorRoute(err('upstream_unavailable'), 'upstream'), 'page');
  for (const code of ['unmet_authentication_requirements', 'access_denied', 'upstream_invalid_response']) {
    assert.equal(errorRoute(err(code), 'upstream'), 'relying-party', code);
  }
  assert.equal(errorRoute(new Error('not ours'), 'upstream'), 'relying-party');
  assert.equal(toOidcError(new Error('not ours')).error, 'server_error');
  assert.deepEqual(Object.keys(ERROR_ROUTES).sort(), ['response', 'start', 'upstream']);
});
