/**
 * The standalone receipt verifier (examples/verify-receipt/verify-receipt.mjs), copied alone into an
 * empty directory and run as its own process, against a receipt a citizen downloaded from a real hub
 * after signing in to a demo service (SQLite, or PostgreSQL when DATABASE_URL is set). For every
 * receipt — the genuine one and each tampered one — its verdict is cross-checked with the project's
 * own verifier (src/ledger's verifyReceipt, in this process) and with `npm run cli -- ledger
 * verify-receipt` (another process): same reason, same sentence.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createLedger,
  ed25519Cosigner,
  ed25519NoteSigner,
  type Ledger,
  leafHash,
  type Receipt,
  signNote,
  verifyReceipt,
} from '../../src/ledger/index.ts';
import type { Storage } from '../../src/storage/index.ts';
import { accountOfLatestRelease, type CliResult, cli, signInThroughDemo } from '../ledger/support.ts';
import type { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { openTestStorage, testDialect } from '../support/storage.ts';

const SOURCE = new URL('../../examples/verify-receipt/verify-receipt.mjs', import.meta.url).pathname;

/** Runs `node verify-receipt.mjs …` from `dir`, where the script is the only file, with a bare environment. */
function standalone(dir: string, args: string[], node = process.execPath): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(node, ['verify-receipt.mjs', ...args], { cwd: dir, env: { PATH: '/usr/bin:/bin' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A Node.js 20–23 on this machine other than the one running the tests, if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    const major = Number(/^v(\d+)\./.exec(r.stdout ?? '')?.[1]);
    if (r.status === 0 && major >= 20 && major < 24) return candidate;
  }
  return undefined;
}

describe(`the standalone receipt verifier (${testDialect()})`, () => {
  const files = mkdtempSync(join(tmpdir(), 'govbridge-receipts-'));
  const alone = mkdtempSync(join(tmpdir(), 'govbridge-verifier-'));
  let hub: TestHub;
  let citizen: TestBrowser;
  let key: string;
  let receipt: Receipt;
  let receiptFile: string;

  const write = (name: string, r: unknown): string => {
    const f = join(files, name);
    writeFileSync(f, typeof r === 'string' ? r : JSON.stringify(r));
    return f;
  };

  before(async () => {
    copyFileSync(SOURCE, join(alone, 'verify-receipt.mjs'));
    hub = await startTestHub({ LOG_LEVEL: 'silent' });
    key = hub.ctx.ledger.verifierKey;
    citizen = await signInThroughDemo(hub, 'uk', 'sg-citizen-mid');
    await signInThroughDemo(hub, 'abroad', 'sg-citizen-mid', citizen);
    await signInThroughDemo(hub, 'sg', 'eleanor-whitfield');
    const accountId = await accountOfLatestRelease(hub, 'demo-uk-service');
    // A checkpoint of the whole tree, so the receipt's proof has hashes to tamper with.
    await hub.ctx.ledger.checkpoint();
    const index = Math.min(...(await hub.ctx.ledger.entriesForAccount(accountId)).map((e) => e.index));
    // As the citizen downloads it from "Who has received your information".
    const res = await citizen.request(`${hub.url}/account/releases/${index}/receipt`);
    assert.equal(res.status, 200);
    const body = await res.text();
    receipt = JSON.parse(body) as Receipt;
    assert.ok(receipt.inclusionProof.length >= 2, `a proof with hashes: ${body}`);
    receiptFile = write('receipt.json', body);
  });
  after(async () => {
    await hub?.close();
  });

  test('the copy stands alone: one file, nothing but node: imports', () => {
    assert.deepEqual(readdirSync(alone), ['verify-receipt.mjs']);
    const source = readFileSync(join(alone, 'verify-receipt.mjs'), 'utf8');
    const imported = [...source.matchAll(/^\s*import\b[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    assert.deepEqual(imported, ['node:crypto', 'node:fs', 'node:util']);
    assert.doesNotMatch(source, /\brequire\(|\bimport\(/, 'no other way of loading code');
  });

  test('a genuine receipt verifies, and it says in words what the entry records', async () => {
    const r = await standalone(alone, [receiptFile, '--key', key]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const entry = JSON.parse(receipt.entry) as { time: string };
    const size = Number(receipt.checkpoint.split('\n')[1]);
    assert.match(
      r.stdout,
      new RegExp(
        `^Receipt OK: entry ${receipt.index} is in the log ${hub.ctx.ledger.origin} as signed at tree size ${size}\n`,
      ),
    );
    assert.match(r.stdout, /recipient: +the service demo-uk-service \(United Kingdom\)/);
    assert.match(r.stdout, /released: +address, birthdate, email, name, nationalities\n/);
    assert.match(r.stdout, /withheld: +nothing\n/);
    assert.ok(r.stdout.includes(`time:        ${entry.time} (UTC)`), r.stdout);
    // The same verdict as the project's verifier and its CLI.
    assert.ok(verifyReceipt(receipt, key).ok);
    const viaCli = await cli(['ledger', 'verify-receipt', receiptFile, '--key', key]);
    assert.equal(viaCli.code, 0, viaCli.stderr);
  });

  test('on Node.js 20 too (the oldest it promises), when this machine has one', async (t) => {
    const node = olderNode();
    if (!node) {
      t.skip('no Node.js 20–23 here');
      return;
    }
    const r = await standalone(alone, [receiptFile, '--key', key], node);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Receipt OK/);
    const bad = await standalone(
      alone,
      [write('node20-entry.json', { ...receipt, index: receipt.index + 1 }), '--key', key],
      node,
    );
    assert.equal(bad.code, 1, bad.stdout);
  });

  test('tampered receipts, a wrong key and a badly signed checkpoint: the same verdict as verifyReceipt and the CLI', async () => {
    const lines = receipt.checkpoint.split('\n');
    const size = Number(lines[1]);
    // The entry changed: another recipient.
    const entry = receipt.entry.replace('"id":"demo-uk-service"', '"id":"demo-sg-service"');
    assert.notEqual(entry, receipt.entry);
    // The same entry, re-spaced, with a leaf hash that matches the new bytes: not canonical.
    const spaced = receipt.entry.replace('"released":', '"released": ');
    const spacedLeaf = Buffer.from(leafHash(new TextEncoder().encode(spaced))).toString('base64');
    // A hash of the inclusion proof changed.
    const proof = [...receipt.inclusionProof];
    proof[0] = `${proof[0]!.slice(0, 5)}${proof[0]![5] === 'A' ? 'B' : 'A'}${proof[0]!.slice(6)}`;
    // The log's signature changed (its key id kept, so it is "ours" and must verify).
    const sigAt = lines.findIndex((l) => l.startsWith(`— ${hub.ctx.ledger.origin} `));
    const badSig = [...lines];
    const sigLine = badSig[sigAt]!;
    const pos = sigLine.length - 12;
    badSig[sigAt] = `${sigLine.slice(0, pos)}${sigLine[pos] === 'A' ? 'B' : 'A'}${sigLine.slice(pos + 1)}`;
    // The checkpoint's tree size changed.
    const resized = [...lines];
    resized[1] = String(size + 1);
    // A genuine, later checkpoint, with the proof for the receipt's own (older) size.
    await hub.ctx.ledger.append({
      releaseId: randomUUID(),
      recipient: { kind: 'service', id: 'demo-sg-service', country: 'SG' },
      released: ['name'],
      accountId: 'a-later-citizen',
      consentId: null,
      decisions: [],
      trustFrameworkVersion: hub.ctx.trust.version,
    });
    const later = await hub.ctx.ledger.checkpoint();
    assert.ok(later.size > size);
    // Another key with the same name.
    const otherKey = ed25519NoteSigner(
      hub.ctx.ledger.origin,
      generateKeyPairSync('ed25519').privateKey,
    ).verifierKey;

    const cases: [label: string, file: string, key: string, reason: string, pattern: RegExp][] = [
      [
        'a changed entry',
        write('entry.json', { ...receipt, entry }),
        key,
        'leaf_hash_mismatch',
        /the receipt's entry was changed: it no longer hashes to the receipt's leaf hash/,
      ],
      [
        'an entry not in canonical form',
        write('spaced.json', { ...receipt, entry: spaced, leafHash: spacedLeaf }),
        key,
        'bad_entry',
        /the receipt's entry is not a valid ledger entry \(not in canonical form\)/,
      ],
      [
        'a changed proof hash',
        write('proof.json', { ...receipt, inclusionProof: proof }),
        key,
        'not_included',
        new RegExp(`the inclusion proof does not lead to the root signed for tree size ${size}`),
      ],
      [
        'another index',
        write('index.json', { ...receipt, index: receipt.index + 1 }),
        key,
        'not_included',
        /the inclusion proof does not lead to the root/,
      ],
      [
        'a checkpoint with a bad signature',
        write('signature.json', { ...receipt, checkpoint: badSig.join('\n') }),
        key,
        'bad_checkpoint',
        /the receipt's checkpoint is not signed with this key, or it was changed \(signature by .* does not verify\)/,
      ],
      [
        'a changed checkpoint size',
        write('size.json', { ...receipt, checkpoint: resized.join('\n') }),
        key,
        'bad_checkpoint',
        /the receipt's checkpoint is not signed with this key, or it was changed/,
      ],
      [
        'a receipt for another tree size',
        write('wrong-size.json', { ...receipt, checkpoint: later.note }),
        key,
        'not_included',
        new RegExp(
          `the inclusion proof does not lead to the root signed for tree size ${later.size}: .*proof is for another tree size`,
        ),
      ],
      [
        'a wrong key',
        receiptFile,
        otherKey,
        'bad_checkpoint',
        /the receipt's checkpoint is not signed with this key, or it was changed \(no signature from a known key\)/,
      ],
      ['not a key', receiptFile, 'not-a-key', 'invalid_key', /the key given is not a ledger verifier key/],
      [
        'a key with a wrong key id',
        receiptFile,
        key.replace(/\+([0-9a-f]{8})\+/, (_m, id: string) => `+${id[0] === '0' ? '1' : '0'}${id.slice(1)}+`),
        'invalid_key',
        /key ID does not match/,
      ],
      [
        'not a receipt',
        write('other.json', { hello: 'world' }),
        key,
        'malformed',
        /this is not a govbridge ledger receipt/,
      ],
      [
        'a proof that is not hashes',
        write('hashes.json', { ...receipt, inclusionProof: ['x'] }),
        key,
        'malformed',
        /inclusion proof must be a list of base64 SHA-256 hashes/,
      ],
    ];
    const results = await Promise.all(
      cases.map(async ([, file, k]) => ({
        human: await standalone(alone, [file, '--key', k]),
        json: await standalone(alone, [file, '--key', k, '--json']),
      })),
    );
    // The CLI loads the project's TypeScript: two at a time on a small machine.
    const viaCli: CliResult[] = [];
    for (let i = 0; i < cases.length; i += 2) {
      viaCli.push(
        ...(await Promise.all(
          cases.slice(i, i + 2).map(([, file, k]) => cli(['ledger', 'verify-receipt', file, '--key', k])),
        )),
      );
    }
    cases.forEach(([label, file, k, reason, pattern], i) => {
      const { human, json } = results[i]!;
      assert.equal(human.code, 1, `${label}: ${human.stdout}${human.stderr}`);
      assert.equal(human.stdout, '', label);
      assert.match(
        human.stderr,
        new RegExp(`^Receipt ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does NOT verify: `),
        label,
      );
      assert.match(human.stderr, pattern, label);
      assert.equal(human.stderr.trim().split('\n').length, 1, `${label}: one line`);
      assert.doesNotMatch(human.stderr, /\n\s+at /, `${label}: no stack trace`);
      // The project's verifier says the same.
      const theirs = verifyReceipt(JSON.parse(readFile(file)) as Receipt, k);
      assert.equal(theirs.ok, false, label);
      assert.equal(json.code, 1, label);
      const verdict = JSON.parse(json.stdout) as { ok: boolean; reason: string };
      assert.equal(verdict.ok, false, label);
      assert.equal(verdict.reason, reason, label);
      if (!theirs.ok) assert.equal(theirs.error.reason, reason, label);
      // …and the CLI, word for word.
      assert.equal(viaCli[i]!.code, 1, label);
      assert.equal(human.stderr, viaCli[i]!.stderr, label);
    });
  });

  test('witness cosignatures: required with --witness-key, checked, and a wrong one refused', async () => {
    const witness = ed25519Cosigner('witness.test.example/ledger', generateKeyPairSync('ed25519').privateKey);
    const text = receipt.checkpoint.slice(0, receipt.checkpoint.lastIndexOf('\n\n') + 1);
    const cosignature = signNote(text, [witness]).slice(text.length + 1);
    const cosigned = write('cosigned.json', { ...receipt, checkpoint: receipt.checkpoint + cosignature });
    const ok = await standalone(alone, [cosigned, '--key', key, '--witness-key', witness.verifierKey]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /countersigned by the witness witness\.test\.example\/ledger/);
    assert.ok(
      verifyReceipt(JSON.parse(readFile(cosigned)) as Receipt, key, {
        witnesses: [witness.verifierKey],
        quorum: 1,
      }).ok,
    );

    // The receipt without the cosignature, when the witness's is required.
    const missing = await standalone(alone, [
      receiptFile,
      '--key',
      key,
      '--witness-key',
      witness.verifierKey,
      '--json',
    ]);
    assert.equal(missing.code, 1);
    assert.equal((JSON.parse(missing.stdout) as { reason: string }).reason, 'too_few_cosignatures');
    // A cosignature whose bytes were changed: the whole checkpoint is refused.
    const broken = cosignature.replace(/.(=*\n)$/, (m, end: string) => `${m[0] === 'A' ? 'B' : 'A'}${end}`);
    assert.notEqual(broken, cosignature);
    const bad = write('bad-cosig.json', { ...receipt, checkpoint: receipt.checkpoint + broken });
    const refused = await standalone(alone, [
      bad,
      '--key',
      key,
      '--witness-key',
      witness.verifierKey,
      '--json',
    ]);
    assert.equal(refused.code, 1);
    assert.equal((JSON.parse(refused.stdout) as { reason: string }).reason, 'bad_checkpoint');
    const theirs = verifyReceipt(JSON.parse(readFile(bad)) as Receipt, key, {
      witnesses: [witness.verifierKey],
      quorum: 1,
    });
    assert.equal(theirs.ok ? 'ok' : theirs.error.reason, 'bad_checkpoint');
    // The log's key given as a witness key (type 0x01, not 0x04).
    const wrongType = await standalone(alone, [cosigned, '--key', key, '--witness-key', key, '--json']);
    assert.equal((JSON.parse(wrongType.stdout) as { reason: string }).reason, 'invalid_key');
  });

  test('--log: a consistency proof with any one hash changed is refused (old or new side of the tree)', async () => {
    // The log grows past the receipt, so the proof has hashes for the new entries too.
    await hub.ctx.ledger.append({
      releaseId: randomUUID(),
      recipient: { kind: 'agency', id: 'sg-ica', country: 'SG' },
      released: ['name'],
      accountId: 'yet-another-citizen',
      consentId: null,
      decisions: [],
      trustFrameworkVersion: hub.ctx.trust.version,
    });
    await hub.ctx.ledger.checkpoint();
    // In front of the real hub: its checkpoint as it is, its proof with hash number `bad` changed.
    let bad = 0;
    let hashes = 0;
    const proxy: Server = createServer((req, res) => {
      fetch(`${hub.url}${req.url}`).then(
        async (upstream) => {
          let body = await upstream.text();
          if (req.url?.startsWith('/ledger/consistency')) {
            const proof = JSON.parse(body) as { hashes: string[] };
            hashes = proof.hashes.length;
            const h = proof.hashes[bad]!;
            proof.hashes[bad] = `${h[0] === 'A' ? 'B' : 'A'}${h.slice(1)}`;
            body = JSON.stringify(proof);
          }
          res.writeHead(upstream.status, {
            'content-type': upstream.headers.get('content-type') ?? 'text/plain',
          });
          res.end(body);
        },
        () => res.writeHead(502).end(),
      );
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      do {
        const r = await standalone(alone, [receiptFile, '--key', key, '--log', proxyUrl]);
        assert.equal(r.code, 1, `hash ${bad}: ${r.stdout}`);
        assert.match(
          r.stderr,
          /does not extend your receipt's \(tree size \d+\): the log was rewritten/,
          `hash ${bad}`,
        );
        bad += 1;
      } while (bad < hashes);
      assert.ok(hashes >= 2, `the proof had ${hashes} hashes`);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  test('--log: the running hub has only grown; a truncated or rewritten log, re-signed with the same key, is refused', async () => {
    const online = await standalone(alone, [receiptFile, '--key', key, '--log', hub.url]);
    assert.equal(online.code, 0, online.stderr);
    assert.match(
      online.stdout,
      /Log OK: the log has only grown since: its latest checkpoint \(tree size \d+\)/,
    );

    // An impostor log with the hub's own key and other entries (a rewrite that re-signed everything).
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
      } else if (url.pathname === '/ledger/consistency') {
        fake.consistencyProof(Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))).then(
          (p) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(p)),
          () => res.writeHead(400).end('{}'),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fakeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const truncated = await standalone(alone, [receiptFile, '--key', key, '--log', fakeUrl]);
      assert.equal(truncated.code, 1);
      assert.match(truncated.stdout, /^Receipt OK/, 'the receipt itself still verifies');
      assert.match(
        truncated.stderr,
        /^The log at .* is NOT consistent with receipt .*: its latest checkpoint has 1 entry, fewer than the \d+ your receipt was signed for: the log was truncated or rewritten\n$/,
      );
      await fake.appendMany(Array.from({ length: await hub.ctx.ledger.size() }, record));
      current = (await fake.checkpoint()).note;
      const rewritten = await standalone(alone, [receiptFile, '--key', key, '--log', fakeUrl]);
      assert.equal(rewritten.code, 1);
      assert.match(
        rewritten.stderr,
        /NOT consistent with receipt .*: its latest checkpoint \(tree size \d+\) does not extend your receipt's \(tree size \d+\): the log was rewritten/,
      );
      // The CLI agrees.
      const viaCli = await cli(['ledger', 'verify-receipt', receiptFile, '--key', key, '--log', fakeUrl]);
      assert.equal(viaCli.code, 1);
      assert.equal(rewritten.stderr, viaCli.stderr);
      // A hub that cannot be reached: one line, exit 1.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const gone = await standalone(alone, [receiptFile, '--key', key, '--log', fakeUrl]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /^Could not fetch the hub's latest checkpoint from .*\n$/);
    } finally {
      server.close();
      await fake.close();
      await storage.close();
    }
  });

  test('usage mistakes exit 2 with the usage', async () => {
    const [noKey, noFile, twoFiles, badOption, badLog] = await Promise.all([
      standalone(alone, [receiptFile]),
      standalone(alone, [join(files, 'missing.json'), '--key', key]),
      standalone(alone, [receiptFile, receiptFile, '--key', key]),
      standalone(alone, [receiptFile, '--key', key, '--nonsense']),
      standalone(alone, [receiptFile, '--key', key, '--log', 'ftp://example.org']),
    ]);
    for (const r of [noKey, noFile, twoFiles, badOption, badLog]) {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Usage: node verify-receipt\.mjs RECEIPT\.json --key VERIFIER_KEY/);
      assert.equal(r.stdout, '');
    }
    assert.match(noKey.stderr, /--key VERIFIER_KEY is required/);
    assert.match(noFile.stderr, /missing\.json is not a readable file/);
    assert.match(badLog.stderr, /is not an http\(s\) URL/);
  });
});

const readFile = (path: string): string => readFileSync(path, 'utf8');
