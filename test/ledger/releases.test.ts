import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLedger, ed25519NoteSigner, type Ledger, type Receipt } from '../../src/ledger/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { getPage, pageText, submitPage, TestBrowser } from '../support/http.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';
import {
  accountOfLatestRelease,
  assertOneLineFailure,
  cli,
  MOVE_FIELDS,
  signInThroughDemo,
} from './support.ts';

/**
 * Issue "Transparency ledger", end to end on the real hub: a citizen signs in to demo services
 * through the hub and reports a move abroad (Tell Us Once); "Who has received your information"
 * lists every release, newest first, each with a receipt that only they can download; the CLI
 * verifies a receipt offline and against the running log, and says clearly what is wrong with a
 * tampered receipt, a proof for the wrong tree size, a wrong key, and a truncated or rewritten log;
 * `ledger verify` and the hub's start-up refuse a ledger whose entries were changed in the database.
 */
const dir = mkdtempSync(join(tmpdir(), 'govbridge-ledger-'));

describe(`who has received your information, and receipts (${testDialect()})`, () => {
  let hub: TestHub;
  let citizen: TestBrowser;
  let accountId: string;
  let other: TestBrowser;
  let otherAccountId: string;
  let key: string;
  /** Indexes of the citizen's entries, and of the other citizen's. */
  let mine: number[];
  let theirs: number[];
  let receiptFile: string;
  let receipt: Receipt;

  before(async () => {
    hub = await startTestHub({ LOG_LEVEL: 'silent' });
    key = hub.ctx.ledger.verifierKey;
    citizen = await signInThroughDemo(hub, 'uk', 'sg-citizen-mid');
    accountId = await accountOfLatestRelease(hub, 'demo-uk-service');
    // The same citizen at a service hosted where the policy withholds every personal detail.
    await signInThroughDemo(hub, 'abroad', 'sg-citizen-mid', citizen);
    assert.equal(await accountOfLatestRelease(hub, 'demo-overseas-service'), accountId);
    // …and a move abroad reported once to every subscribed agency.
    await hub.ctx.notifications.reports.submit({
      accountId,
      eventType: 'moving-abroad',
      occurredOn: MOVE_FIELDS.date_of_move,
      fields: MOVE_FIELDS,
      submissionKey: 'ledger-test-report-1',
    });
    other = await signInThroughDemo(hub, 'sg', 'eleanor-whitfield');
    otherAccountId = await accountOfLatestRelease(hub, 'demo-sg-service');
    assert.notEqual(otherAccountId, accountId);
    // A checkpoint of the whole tree, so receipts are for it (not for whichever smaller tree the
    // hub's timer signed meanwhile): their proofs then have hashes to tamper with.
    await hub.ctx.ledger.checkpoint();
    mine = (await hub.ctx.ledger.entriesForAccount(accountId)).map((e) => e.index);
    theirs = (await hub.ctx.ledger.entriesForAccount(otherAccountId)).map((e) => e.index);
    assert.ok(mine.length >= 3, `the citizen's entries: ${mine}`);
    assert.equal(theirs.length, 1);
  });
  after(async () => {
    await hub?.close();
  });

  test('signed out: the sign-in choice, coming back to the page', async () => {
    const b = new TestBrowser();
    const page = await getPage(b, hub.url, '/account/releases');
    assert.equal(page.status, 200);
    assert.match(page.html, /Sign in to see who has received your information/);
    assert.match(page.html, /name="returnTo" value="\/account\/releases"/);
    const download = await getPage(b, hub.url, `/account/releases/${mine[0]}/receipt`);
    assert.match(download.html, /Sign in to see who has received your information/);
    // Signing in there comes back here.
    const chooser = await submitPage(b, page, '/account/sign-in', { scheme: 'singpass' });
    const back = await submitPage(b, chooser, '', { persona: 'sg-citizen-mid' });
    assert.equal(new URL(back.url).pathname, '/account/releases', b.visited.join('\n'));
    assert.match(back.html, /<h1 class="govuk-heading-l">Who has received your information<\/h1>/);
  });

  test('the list: every release to a service and every agency told, newest first, in words', async () => {
    const page = await getPage(citizen, hub.url, '/account/releases');
    assert.equal(page.status, 200);
    const text = pageText(page.html);
    assert.match(text, /Who has received your information/);
    assert.match(text, /names you only by a salted code/);
    // Newest first: the entry numbers shown, in order.
    const shown = [...text.matchAll(/Entry number (\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(
      shown,
      [...mine].sort((a, b) => b - a),
    );
    // The UK service: who runs it, in which country, what it got, under which consent, when.
    const uk = card(page.html, 'Apply for a National Insurance number — demo');
    assert.match(uk, /Run by Department for Work and Pensions \(demo\)/);
    assert.match(uk, /Country United Kingdom/);
    assert.match(uk, /Shared [\s\S]*Date of birth[\s\S]*Full name/);
    assert.match(uk, /Withheld Nothing/);
    assert.match(uk, /Consent reference [0-9a-f-]{36}/);
    assert.match(uk, /UK time [\s\S]* Singapore time/);
    // The service hosted abroad: nothing shared, each detail withheld with the deciding policy.
    const abroad = card(page.html, 'Check your UK State Pension from abroad — demo');
    assert.match(abroad, /Shared Nothing/);
    assert.match(abroad, /Withheld [\s\S]*Date of birth, by the policy “[a-z0-9-]+”/);
    // Tell Us Once: each agency told, the fields by their names in the report, and the report.
    const ica = card(page.html, 'Immigration & Checkpoints Authority (demo)');
    assert.match(ica, /Country Singapore/);
    assert.match(ica, /Full name \(move abroad report\)/);
    assert.match(ica, /Tell Us Once report rpt_/);
    assert.match(page.html, /href="\/life-events\/reports\/rpt_[^"]+"/);
    // Nothing of the other citizen's.
    assert.doesNotMatch(text, /Apply for a Singapore service/);
    for (const i of theirs) assert.doesNotMatch(page.html, new RegExp(`/account/releases/${i}/receipt`));
    // How to check: the command and the hub's verifier key.
    assert.ok(page.html.includes(key), 'the verifier key is on the page');
    assert.match(text, /npm run cli -- ledger verify-receipt/);
    assert.ok(text.includes(`--log ${hub.url}`));
    assert.doesNotMatch(page.html, /<script(?![^>]*\bsrc=)/, 'no inline script');
  });

  test('linked from the consents page and the start page', async () => {
    const consents = await getPage(citizen, hub.url, '/account/consents');
    assert.match(consents.html, /href="\/account\/releases"/);
    const home = await getPage(new TestBrowser(), hub.url, '/');
    assert.match(home.html, /href="\/account\/releases"/);
  });

  test('a receipt downloads for the citizen’s own entry only; anything else is not found', async () => {
    const index = Math.min(...mine);
    const res = await citizen.request(`${hub.url}/account/releases/${index}/receipt`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(
      res.headers.get('content-disposition'),
      `attachment; filename="govbridge-receipt-${index}.json"`,
    );
    const body = await res.text();
    receipt = JSON.parse(body) as Receipt;
    assert.equal(receipt.index, index);
    assert.equal(receipt.format, 'govbridge-ledger-receipt/v1');
    assert.equal(Number(receipt.checkpoint.split('\n')[1]), await hub.ctx.ledger.size());
    receiptFile = join(dir, `govbridge-receipt-${index}.json`);
    writeFileSync(receiptFile, body);

    for (const path of [
      `/account/releases/${theirs[0]}/receipt`, // someone else's
      '/account/releases/999999/receipt', // no such entry
      '/account/releases/-1/receipt',
      '/account/releases/01/receipt',
      '/account/releases/abc/receipt',
    ]) {
      const page = await getPage(citizen, hub.url, path);
      assert.equal(page.status, 404, path);
      assert.match(page.html, /Page not found/, path);
      assert.doesNotMatch(page.html, /govbridge-ledger-receipt/, path);
    }
  });

  test('CLI verify-receipt: offline with the key, then against the running log', async () => {
    const offline = await cli(['ledger', 'verify-receipt', receiptFile, '--key', key]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, new RegExp(`Receipt OK: entry ${receipt.index} is in the log`));
    assert.match(offline.stdout, /recipient: +service demo-uk-service \(GB\)/);
    assert.match(offline.stdout, /released: +address, birthdate, email, name, nationalities/);
    assert.match(offline.stdout, /time: +\d{4}-\d{2}-\d{2}T/);
    assert.match(offline.stdout, /tree size: +\d+/);

    // More releases since the receipt: the log grew, consistently.
    await hub.ctx.ledger.append({
      releaseId: randomUUID(),
      recipient: { kind: 'service', id: 'demo-sg-service', country: 'SG' },
      released: ['name'],
      accountId: 'a-later-citizen',
      consentId: null,
      decisions: [],
      trustFrameworkVersion: hub.ctx.trust.version,
    });
    await hub.ctx.ledger.checkpoint();
    const online = await cli(['ledger', 'verify-receipt', receiptFile, '--key', key, '--log', hub.url]);
    assert.equal(online.code, 0, online.stderr);
    assert.match(online.stdout, /Log OK: the log has only grown since/);
  });

  test('CLI verify-receipt: tampered receipts, a proof for the wrong tree size and a wrong key fail clearly', async () => {
    const write = (name: string, r: unknown) => {
      const f = join(dir, name);
      writeFileSync(f, typeof r === 'string' ? r : JSON.stringify(r));
      return f;
    };
    const lines = receipt.checkpoint.split('\n');
    const receiptSize = Number(lines[1]);

    // The entry changed: another recipient.
    const entry = receipt.entry.replace('"id":"demo-uk-service"', '"id":"demo-sg-service"');
    assert.notEqual(entry, receipt.entry);
    // A hash of the inclusion proof changed.
    const proof = [...receipt.inclusionProof];
    assert.ok(proof.length > 0, 'the proof has hashes');
    proof[0] = `${proof[0]!.slice(0, 5)}${proof[0]![5] === 'A' ? 'B' : 'A'}${proof[0]!.slice(6)}`;
    // The checkpoint's tree size changed: its signature no longer holds.
    const resized = [...lines];
    resized[1] = String(receiptSize + 1);
    // A genuine, later checkpoint, with the proof for the receipt's own (older) size.
    const later = await hub.ctx.ledger.checkpoint();
    assert.ok(later.size > receiptSize);
    // Another key with the same name.
    const otherKey = ed25519NoteSigner(
      hub.ctx.ledger.origin,
      generateKeyPairSync('ed25519').privateKey,
    ).verifierKey;

    const cases: [string, string, string, RegExp][] = [
      [
        'a changed entry',
        write('entry.json', { ...receipt, entry }),
        key,
        /does NOT verify: the receipt's entry was changed: it no longer hashes to the receipt's leaf hash/,
      ],
      [
        'a changed proof hash',
        write('proof.json', { ...receipt, inclusionProof: proof }),
        key,
        new RegExp(
          `does NOT verify: the inclusion proof does not lead to the root signed for tree size ${receiptSize}`,
        ),
      ],
      [
        'a changed checkpoint size',
        write('size.json', { ...receipt, checkpoint: resized.join('\n') }),
        key,
        /does NOT verify: the receipt's checkpoint is not signed with this key, or it was changed/,
      ],
      [
        'a proof for another tree size',
        write('wrong-size.json', { ...receipt, checkpoint: later.note }),
        key,
        new RegExp(
          `does NOT verify: the inclusion proof does not lead to the root signed for tree size ${later.size}: .*proof is for another tree size`,
        ),
      ],
      [
        'a wrong key',
        receiptFile,
        otherKey,
        /does NOT verify: the receipt's checkpoint is not signed with this key/,
      ],
      ['not a key', receiptFile, 'not-a-key', /the key given is not a ledger verifier key/],
      ['not JSON', write('junk.json', '{"hello":'), key, /does NOT verify: it is not JSON/],
      [
        'not a receipt',
        write('other.json', { hello: 'world' }),
        key,
        /this is not a govbridge ledger receipt/,
      ],
    ];
    // Each case is its own process; run them side by side.
    const results = await Promise.all(
      cases.map(([, file, k]) => cli(['ledger', 'verify-receipt', file, '--key', k])),
    );
    cases.forEach(([label, , , pattern], i) => {
      assert.doesNotThrow(() => assertOneLineFailure(results[i]!, pattern), label);
    });

    // Usage: no key, no file.
    const [noKey, noFile] = await Promise.all([
      cli(['ledger', 'verify-receipt', receiptFile]),
      cli(['ledger', 'verify-receipt', join(dir, 'missing.json'), '--key', key]),
    ]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /--key VERIFIER_KEY is required/);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /is not a readable file/);
  });

  test('CLI verify-receipt --log: a truncated or rewritten log, re-signed with the same key, fails', async () => {
    // An impostor log: the hub's own key, other entries (what a rewrite that also re-signed every
    // checkpoint looks like — the database checks cannot see it, the citizen's receipt can).
    const storage: Storage = await openTestStorage();
    const fake: Ledger = createLedger({
      storage,
      signer: hub.ctx.keys.active('ledger-sig') as never,
      origin: hub.ctx.ledger.origin,
    });
    assert.equal(fake.verifierKey, key);
    const record = () => ({
      releaseId: randomUUID(),
      recipient: { kind: 'service' as const, id: 'demo-uk-service', country: 'GB' },
      released: ['name'],
      accountId: 'someone-else',
      consentId: null,
      decisions: [],
      trustFrameworkVersion: 'v1',
    });
    await fake.appendMany([record()]);
    let current = (await fake.checkpoint()).note;
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ledger/checkpoint') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(current);
        return;
      }
      if (url.pathname === '/ledger/consistency') {
        fake.consistencyProof(Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))).then(
          (p) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(p)),
          () => res.writeHead(400).end('{}'),
        );
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fakeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const truncated = await cli(['ledger', 'verify-receipt', receiptFile, '--key', key, '--log', fakeUrl]);
      assertOneLineFailure(
        truncated,
        /NOT consistent with receipt .*: its latest checkpoint has 1 entry, fewer than the \d+ your receipt was signed for: the log was truncated or rewritten/,
      );
      assert.match(truncated.stdout, /Receipt OK/, 'the receipt itself still verifies offline');
      const size = await hub.ctx.ledger.size();
      await fake.appendMany(Array.from({ length: size }, record));
      current = (await fake.checkpoint()).note;
      assertOneLineFailure(
        await cli(['ledger', 'verify-receipt', receiptFile, '--key', key, '--log', fakeUrl]),
        /NOT consistent with receipt .*: its latest checkpoint \(tree size \d+\) does not extend your receipt's \(tree size \d+\): the log was rewritten/,
      );
      // A hub that cannot be reached: one line, exit 1.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      assertOneLineFailure(
        await cli(['ledger', 'verify-receipt', receiptFile, '--key', key, '--log', fakeUrl]),
        /Could not fetch the hub's latest checkpoint from/,
      );
    } finally {
      server.close();
      await fake.close();
      await storage.close();
    }
  });

  test('CLI checkpoint, verifier-key, verify and forget on the hub’s database', async () => {
    const env = hub.env;
    const vk = await cli(['ledger', 'verifier-key'], env);
    assert.equal(vk.code, 0, vk.stderr);
    assert.equal(vk.stdout.trim(), key);
    const cp = await cli(['ledger', 'checkpoint'], env);
    assert.equal(cp.code, 0, cp.stderr);
    assert.match(
      cp.stdout,
      new RegExp(`^${hub.ctx.ledger.origin.replace(/\./g, '\\.')}\\n\\d+\\n[A-Za-z0-9+/]{43}=\\n\\n— `),
    );
    const ok = await cli(['ledger', 'verify'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /: ok — \d+ entries, \d+ tree nodes? and \d+ signed checkpoints?/);

    // The other citizen asks to be forgotten: their entries stay, but no longer reach their page.
    const forgot = await cli(['ledger', 'forget', otherAccountId], env);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.match(
      forgot.stdout,
      /Forgot account .*: its 1 ledger entry stays in the log but can no longer be linked/,
    );
    const page = await getPage(other, hub.url, '/account/releases');
    assert.match(pageText(page.html), /govbridge has not shared any information about you yet/);
    const gone = await getPage(other, hub.url, `/account/releases/${theirs[0]}/receipt`);
    assert.equal(gone.status, 404);
    assert.equal((await hub.ctx.ledger.entry(theirs[0]!)).index, theirs[0]);
    const again = await cli(['ledger', 'forget', otherAccountId], env);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing links any entry to it/);

    const bad = await cli(['ledger', 'nonsense'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown command: ledger nonsense/);
  });

  test('an entry changed in the database: `ledger verify` names it and the hub refuses to start', async () => {
    const index = theirs[0]!;
    const row = await hub.ctx.storage.db
      .selectFrom('ledger_entries')
      .select('leaf')
      .where('idx', '=', index)
      .executeTakeFirstOrThrow();
    const changed = row.leaf.replace('"released":[', '"released":["passport_number",');
    assert.notEqual(changed, row.leaf);
    await hub.ctx.storage.db
      .updateTable('ledger_entries')
      .set({ leaf: changed })
      .where('idx', '=', index)
      .execute();

    assertOneLineFailure(
      await cli(['ledger', 'verify'], hub.env),
      new RegExp(`^Ledger integrity check failed: entry ${index} was changed`),
    );
    await assert.rejects(startTestHub({ ...hub.env, PORT: String(await freePort()) }), (err: Error) => {
      assert.match(err.message, new RegExp(`Ledger integrity check failed: entry ${index} was changed`));
      return true;
    });
  });
});

/** The text of the summary card titled `title`. */
function card(html: string, title: string): string {
  for (const m of html.matchAll(/<div class="govuk-summary-card">([\s\S]*?)<\/dl>/g)) {
    const t = pageText(
      /<h2 class="govuk-summary-card__title">([\s\S]*?)<\/h2>/.exec(m[1]!)?.[1] ?? '',
    ).trim();
    if (t === title) return pageText(m[1]!).trim();
  }
  assert.fail(`no card titled ${title}`);
}
