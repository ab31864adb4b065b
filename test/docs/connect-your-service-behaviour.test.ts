/**
 * The tables of docs/connect-your-service.md that say what a service gets — the level each persona
 * reaches, and the answer to each error scenario — played against a real hub with its simulators.
 * Each row of the guide is a case here: change the hub's behaviour and the guide must change too.
 * Examples of the error tables' rows too: each error the hub answers must be in the right table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { firstSpan, markdownTables } from '../support/markdown-tables.ts';
import { newKey, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

const guide = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'connect-your-service.md'), 'utf8');
const tables = markdownTables(guide);
const personaRows = tables.filter((t) => t.header[0] === 'persona').flatMap((t) => t.rows);
const scenarioRows = tables.filter((t) => t.header[0] === 'scenario').flatMap((t) => t.rows);
/** The error codes of the guide's error table under a heading containing `section`. */
function guideErrors(section: string): string[] {
  return tables
    .filter((t) => t.header[0] === 'error' && t.section.includes(section))
    .flatMap((t) => t.rows.map((r) => firstSpan(r[0])!));
}

const LEVELS = ['urn:govbridge:loa:authenticated', 'urn:govbridge:loa:low', 'urn:govbridge:loa:substantial'];
const SCHEME = { Singpass: 'singpass', 'One Login': 'onelogin' } as const;
/** The persona each scheme's scenarios are played with. */
const SCENARIO_PERSONA = { singpass: 'sg-citizen-mid', onelogin: 'eleanor-whitfield' } as const;

describe(`docs/connect-your-service.md: personas, scenarios and errors, as the hub answers (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  before(async () => {
    // A short upstream timeout so that the `slow` scenario ends quickly.
    hub = await startTestHub({ GOVBRIDGE_UPSTREAM_TIMEOUT_MS: '1500' });
    rp = await TestRp.register(hub, { minAcr: LEVELS[0]! });
  });
  after(async () => {
    await hub?.close();
  });

  test('the guide has the tables', () => {
    assert.ok(personaRows.length >= 10, 'persona rows');
    assert.ok(scenarioRows.length >= 10, 'scenario rows');
  });

  for (const row of personaRows) {
    const persona = firstSpan(row[0])!;
    const scheme = SCHEME[row[1] as keyof typeof SCHEME];
    const highest = firstSpan(row[3])!;
    test(`persona ${persona} (${scheme}) reaches ${highest} and no higher`, async () => {
      assert.ok(scheme, `scheme column of ${persona}: ${row[1]}`);
      const level = LEVELS.indexOf(highest);
      assert.ok(level >= 0, `a level the simulators can reach: ${highest}`);
      const r = await rp.login({
        params: { scope: 'openid', idp_hint: scheme, login_hint: persona, acr_values: highest },
      });
      assert.equal(r.claims['acr'], highest);
      // One level up (urn:govbridge:loa:high, which no scheme reaches, above substantial).
      const above = LEVELS[level + 1] ?? 'urn:govbridge:loa:high';
      const { response } = await rp.authorize({
        params: { scope: 'openid', idp_hint: scheme, login_hint: persona, acr_values: above },
      });
      assert.equal(response.error, 'unmet_authentication_requirements', response.url);
    });
  }

  for (const row of scenarioRows) {
    const scenario = firstSpan(row[0])!;
    const schemes =
      row[1] === 'both' ? (['singpass', 'onelogin'] as const) : [SCHEME[row[1] as keyof typeof SCHEME]];
    const gets = row[3] ?? '';
    for (const scheme of schemes) {
      test(`scenario ${scenario} (${scheme}): the service gets ${gets}`, async () => {
        assert.ok(scheme, `scheme column of ${scenario}: ${row[1]}`);
        const { response: r, browser } = await rp.authorize({
          params: {
            scope: 'openid profile',
            idp_hint: scheme,
            login_hint: `${SCENARIO_PERSONA[scheme]}:${scenario}`,
            acr_values: 'urn:govbridge:loa:substantial',
          },
        });
        const trail = `${r.url}\n${browser.visited.join('\n')}`;
        if (gets.startsWith('a code')) {
          assert.ok(r.code, trail);
          assert.equal(r.error, undefined, trail);
        } else if (gets.startsWith('nothing')) {
          assert.equal(r.code, undefined, trail);
          assert.equal(r.error, undefined, trail);
          assert.ok(!r.url.startsWith(rp.redirectUri), `the browser stopped at a page: ${trail}`);
          if (/Sorry, the service is unavailable/.test(gets))
            assert.match(r.html, /Sorry, the service is unavailable/);
        } else {
          assert.equal(r.error, firstSpan(gets), trail);
          assert.equal(r.code, undefined);
        }
      });
    }
  }

  // Examples of the error tables' rows: each answer the hub gives must be a row of the right table.
  test("errors at /par, /token and /userinfo are rows of the guide's table", async () => {
    const listed = guideErrors('/par');
    const seen = async (
      what: string,
      p: Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>,
    ) => {
      const r = await p;
      const error = String(
        r.body['error'] ?? /error="([a-z_]+)"/.exec(r.headers.get('www-authenticate') ?? '')?.[1],
      );
      assert.ok(listed.includes(error), `${what}: ${r.status} ${error} is not in the guide's table`);
      return error;
    };
    const params = (extra: Record<string, string | undefined> = {}) =>
      rp.authorizationParams(TestRp.pkce(), { idp_hint: 'singpass', ...extra });
    assert.equal(await seen('no PKCE', rp.par(params({ code_challenge: undefined }))), 'invalid_request');
    assert.equal(
      await seen(
        'unregistered redirect_uri',
        rp.par(params({ redirect_uri: 'https://elsewhere.example/cb' })),
      ),
      'invalid_request',
    );
    assert.equal(
      await seen(
        'assertion signed with an unregistered key',
        rp.par(params(), { assertion: { key: await newKey() } }),
      ),
      'invalid_client',
    );
    assert.equal(
      await seen(
        'an old DPoP proof',
        rp.par(params(), { dpop: { iat: Math.floor(Date.now() / 1000) - 3600 } }),
      ),
      'invalid_dpop_proof',
    );
    const { response, pkce } = await rp.authorize({
      params: { scope: 'openid', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    assert.ok(response.code, response.url);
    const tokens = await rp.token(response.code, pkce.verifier);
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(await seen('a code used twice', rp.token(response.code, pkce.verifier)), 'invalid_grant');
    assert.equal(
      await seen(
        'a DPoP-bound token sent as Bearer',
        rp.userinfo(String(tokens.body['access_token']), { scheme: 'Bearer', dpop: false }),
      ),
      'invalid_token',
    );
  });

  test("errors sent to the redirect URI are rows of the guide's table", async () => {
    const listed = guideErrors('redirect URI');
    const cases: [string, Record<string, string>, string][] = [
      ['an unknown idp_hint', { idp_hint: 'nope' }, 'invalid_request'],
      [
        'a login_hint over 256 characters',
        { idp_hint: 'singpass', login_hint: 'a'.repeat(300) },
        'invalid_request',
      ],
      ['prompt=none', { idp_hint: 'singpass', prompt: 'none' }, 'interaction_required'],
      [
        'a level no scheme reaches',
        { idp_hint: 'singpass', acr_values: 'urn:govbridge:loa:high' },
        'unmet_authentication_requirements',
      ],
    ];
    for (const [what, extra, expected] of cases) {
      const { response: r } = await rp.authorize({ params: { scope: 'openid', ...extra } });
      assert.equal(r.error, expected, `${what}: ${r.url}`);
      assert.ok(listed.includes(expected), `${what}: ${expected} is not in the guide's table`);
    }
  });
});
