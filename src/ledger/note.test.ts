import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fixedClock } from '../kernel/index.ts';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from './checkpoint.ts';
import { cosignatureMessage, cosignatureVerifier, ed25519Cosigner } from './cosignature.ts';
import { decodeBase64 } from './encoding.ts';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatVerifierKey,
  type NoteVerifier,
  openNote,
  parseVerifierKey,
  signNote,
} from './note.ts';

/** An Ed25519 private key from its 32-byte seed (PKCS #8 wrapping of RFC 8410). */
function keyFromSeed(seed: Uint8Array): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([prefix, seed]), format: 'der', type: 'pkcs8' });
}
const verifierOf = (vkey: string): NoteVerifier => {
  const v = ed25519NoteVerifier(vkey);
  assert.ok(v.ok, !v.ok ? v.error.message : '');
  return v.value;
};
const reasonOf = (r: { ok: boolean; error?: { reason: string } }): string => (r.ok ? 'ok' : r.error!.reason);

describe('signed notes: published examples', () => {
  // The example of C2SP signed-note v1.0.0, §Verifier keys / Example:
  // https://github.com/C2SP/C2SP/blob/5ba5ee830903e91240fc6f9f3a7a9293d49e69c9/signed-note.md
  test('the C2SP signed-note example verifies', () => {
    const vkey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
    const note =
      'This is an example message.\n\n' +
      '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
    const opened = openNote(note, [verifierOf(vkey)]);
    assert.ok(opened.ok);
    assert.equal(opened.value.text, 'This is an example message.\n');
    assert.equal(opened.value.verified.length, 1);
  });

  // The PeterNeumann / EnochRoot keys and notes of golang.org/x/mod/sumdb/note, note_test.go at commit
  // fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db (TestSign, TestOpen):
  // https://github.com/golang/mod/blob/fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db/sumdb/note/note_test.go
  const peterVkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const peterSeed = decodeBase64('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz')!.subarray(1); // 0x01 || seed
  const enochVkey = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
  const text =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const peterSig =
    '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
  const enochSig =
    '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

  test('signing reproduces the published signature (Ed25519 is deterministic) and key string', () => {
    const signer = ed25519NoteSigner('PeterNeumann', keyFromSeed(peterSeed));
    assert.equal(signer.verifierKey, peterVkey);
    assert.equal(signNote(text, [signer]), `${text}\n${peterSig}`);
  });

  test('one known signature verified, the other ignored; both known, both verified', () => {
    const peter = verifierOf(peterVkey);
    const enoch = verifierOf(enochVkey);
    const one = openNote(`${text}\n${peterSig}${enochSig}`, [peter]);
    assert.ok(one.ok);
    assert.deepEqual(
      one.value.verified.map((s) => s.name),
      ['PeterNeumann'],
    );
    assert.deepEqual(
      one.value.unknown.map((s) => s.name),
      ['EnochRoot'],
    );
    const both = openNote(`${text}\n${peterSig}${enochSig}`, [peter, enoch]);
    assert.ok(both.ok);
    assert.equal(both.value.verified.length, 2);
    assert.equal(reasonOf(openNote(`${text}\n${enochSig}`, [peter])), 'no_known_signature');
  });

  test('verifier keys: every truncation and every changed character is refused', () => {
    assert.ok(parseVerifierKey(peterVkey).ok);
    for (let i = 0; i <= peterVkey.length; i++) {
      for (let j = i + 1; j <= peterVkey.length; j++) {
        if (i === 0 && j === peterVkey.length) continue;
        assert.equal(ed25519NoteVerifier(peterVkey.slice(i, j)).ok, false, peterVkey.slice(i, j));
      }
    }
    for (let i = 0; i < peterVkey.length; i++) {
      const changed =
        peterVkey.slice(0, i) + String.fromCharCode(peterVkey.charCodeAt(i) + 1) + peterVkey.slice(i + 1);
      assert.equal(ed25519NoteVerifier(changed).ok, false, changed);
    }
  });
});

describe('signed notes: strict parsing', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = ed25519NoteSigner('gov.example/log', privateKey);
  const v = verifierOf(signer.verifierKey);
  const note = signNote('hello\nworld\n', [signer]);

  test('round trip', () => {
    const opened = openNote(note, [v]);
    assert.ok(opened.ok);
    assert.equal(opened.value.text, 'hello\nworld\n');
  });

  test('ill-formed notes are refused', () => {
    const [textPart, sigPart] = note.split('\n\n') as [string, string];
    const cases: [string, string][] = [
      ['no blank line', note.replace('\n\n', '\n')],
      ['no final newline', note.slice(0, -1)],
      ['carriage return', note.replace('hello', 'hel\rlo')],
      ['tab', note.replace('hello', 'hel\tlo')],
      ['NUL', note.replace('hello', 'hel\u0000lo')],
      ['lone surrogate', note.replace('hello', 'hel\ud800lo')],
      ['no signatures', `${textPart}\n\n`],
      ['hyphen instead of em dash', note.replace('—', '-')],
      ['two spaces', note.replace('— ', '—  ')],
      ['empty name', note.replace('gov.example/log', '')],
      ['name with plus', note.replace('gov.example/log ', 'gov+example/log ')],
      ['bad base64', note.replace(/ [A-Za-z0-9+/=]+\n$/, ' not*base64\n')],
      ['unpadded base64', note.replace(/=\n$/, '\n')],
      ['signature too short', note.replace(/ [A-Za-z0-9+/=]+\n$/, ' AAAAAA==\n')],
      ['text after signatures', `${note}trailing\n`],
      ['blank line between signatures', `${textPart}\n\n${sigPart}\n${sigPart}`],
    ];
    for (const [what, bad] of cases) {
      assert.notEqual(reasonOf(openNote(bad, [v])), 'ok', what);
    }
  });

  test('a tampered text or signature fails; a wrong key is not a known key', () => {
    assert.equal(reasonOf(openNote(note.replace('world', 'World'), [v])), 'invalid_signature');
    const sigLine = note.split('\n\n')[1]!;
    const b64 = sigLine.split(' ')[2]!.trim();
    const bytes = decodeBase64(b64)!;
    for (const at of [4, 20, bytes.length - 1]) {
      const changed = Uint8Array.from(bytes);
      changed[at]! ^= 0x01;
      const bad = note.replace(b64, Buffer.from(changed).toString('base64'));
      assert.equal(reasonOf(openNote(bad, [v])), 'invalid_signature', `byte ${at}`);
    }
    const other = ed25519NoteSigner('gov.example/log', generateKeyPairSync('ed25519').privateKey);
    assert.equal(reasonOf(openNote(note, [verifierOf(other.verifierKey)])), 'no_known_signature');
    // Same name and key ID, another key: ambiguous configuration, and a failed signature.
    const forged = { ...verifierOf(other.verifierKey), keyId: v.keyId };
    assert.equal(reasonOf(openNote(note, [forged])), 'invalid_signature');
    assert.equal(reasonOf(openNote(note, [v, forged])), 'ambiguous_key');
  });

  test('unknown signatures are ignored, up to the limit', () => {
    const stranger = ed25519NoteSigner('stranger.example', generateKeyPairSync('ed25519').privateKey);
    const many = signNote('hello\nworld\n', [signer, ...Array.from({ length: 20 }, () => stranger)]);
    const opened = openNote(many, [v]);
    assert.ok(opened.ok);
    assert.equal(opened.value.unknown.length, 1); // identical lines counted once
    const tooMany = signNote(
      'hello\nworld\n',
      [signer],
      Array.from({ length: 100 }, () => many.split('\n\n')[1]!.split('\n')[0]!),
    );
    assert.equal(reasonOf(openNote(tooMany, [v])), 'malformed_note');
  });

  test('signing refuses texts that are not note texts and signers with bad names', () => {
    assert.throws(() => signNote('no newline', [signer]), TypeError);
    assert.throws(() => signNote('a\u0001b\n', [signer]), TypeError);
    assert.throws(() => ed25519NoteSigner('has space', privateKey), TypeError);
    assert.throws(() => ed25519NoteSigner('has+plus', privateKey), TypeError);
    assert.throws(
      () => ed25519NoteSigner('x', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      TypeError,
    );
    assert.throws(() => formatVerifierKey('bad name', 1, new Uint8Array(32)), TypeError);
  });

  test('a JWK private key works as well as a KeyObject', () => {
    const jwk = privateKey.export({ format: 'jwk' });
    const fromJwk = ed25519NoteSigner('gov.example/log', jwk);
    assert.equal(fromJwk.verifierKey, signer.verifierKey);
    assert.equal(signNote('x\n', [fromJwk]), signNote('x\n', [signer]));
  });

  test('property: any single changed, inserted or deleted character of a signed note is refused', () => {
    fc.assert(
      fc.property(
        fc.nat(note.length - 1),
        fc.integer({ min: 1, max: 0x2fff }),
        fc.nat(2),
        (at, code, how) => {
          const c = String.fromCharCode(code);
          const changed =
            how === 0
              ? note.slice(0, at) + c + note.slice(at + 1)
              : how === 1
                ? note.slice(0, at) + c + note.slice(at)
                : note.slice(0, at) + note.slice(at + 1);
          return changed === note || !openNote(changed, [v]).ok;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('checkpoints (C2SP tlog-checkpoint)', () => {
  const root = Buffer.from(
    '0a c5 18 6a 91 86 3e 8e 1d 90 c8 08 01 4a a8 9b f5 da 8e 3e e1 d9 f0 76 30 f0 37 8f 68 f1 ab 62'.replaceAll(
      ' ',
      '',
    ),
    'hex',
  );

  test('format and parse: the C2SP example body', () => {
    // https://github.com/C2SP/C2SP/blob/5ba5ee830903e91240fc6f9f3a7a9293d49e69c9/tlog-checkpoint.md
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const parsed = parseCheckpoint(body);
    assert.ok(parsed.ok);
    assert.equal(parsed.value.origin, 'example.com/behind-the-sofa');
    assert.equal(parsed.value.size, 20852163);
    assert.equal(
      Buffer.from(parsed.value.rootHash).toString('base64'),
      'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=',
    );
    assert.equal(formatCheckpoint(parsed.value), body);
    assert.deepEqual(Buffer.from(parsed.value.rootHash), root);
  });

  test('ill-formed bodies are refused', () => {
    const good = 'o.example/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    assert.ok(parseCheckpoint(good).ok);
    assert.ok(parseCheckpoint(`${good}ext line\n`).ok);
    assert.ok(parseCheckpoint('o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n').ok);
    for (const bad of [
      good.slice(0, -1),
      'o.example/log\n5\n',
      '\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o.example/log\n05\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o.example/log\n+5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o.example/log\n5 \nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o.example/log\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o.example/log\n9007199254740992\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
      'o.example/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n',
      'o.example/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n',
      'o.example/log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=CsUY\n',
      'o.example/log\n5\nAAAA\n',
      `${good}\n`,
      `${good}\next after empty\n`,
    ]) {
      assert.equal(parseCheckpoint(bad).ok, false, JSON.stringify(bad));
    }
  });

  test('a signed checkpoint opens with the log key and the expected origin only', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const log = ed25519NoteSigner('uk-sg.govbridge.example/ledger', privateKey);
    const note = signNote(formatCheckpoint({ origin: log.name, size: 5, rootHash: root, extensions: [] }), [
      log,
    ]);
    const opened = openCheckpoint(note, [verifierOf(log.verifierKey)]);
    assert.ok(opened.ok);
    assert.equal(opened.value.checkpoint.size, 5);
    assert.equal(
      reasonOf(openCheckpoint(note, [verifierOf(log.verifierKey)], { origin: 'other' })),
      'wrong_origin',
    );
    assert.equal(
      reasonOf(openCheckpoint(note.replace('\n5\n', '\n6\n'), [verifierOf(log.verifierKey)])),
      'invalid_signature',
    );
    const notACheckpoint = signNote('just text\n', [log]);
    assert.equal(
      reasonOf(openCheckpoint(notACheckpoint, [verifierOf(log.verifierKey)])),
      'malformed_checkpoint',
    );
  });
});

describe('cosignatures (C2SP tlog-cosignature, Ed25519 type 0x04)', () => {
  const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

  test('the signed message is the one of the specification', () => {
    // https://github.com/C2SP/C2SP/blob/5ba5ee830903e91240fc6f9f3a7a9293d49e69c9/tlog-cosignature.md
    assert.equal(
      Buffer.from(cosignatureMessage(body, 1679315147)).toString(),
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    // The example cosignature line of the same page carries that timestamp after its key ID.
    const example = decodeBase64(
      'jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==',
    )!;
    assert.equal(example.length, 4 + 8 + 64);
    assert.equal(Buffer.from(example).readBigUInt64BE(4), 1679315147n);
  });

  const { privateKey: logKey } = generateKeyPairSync('ed25519');
  const log = ed25519NoteSigner('example.com/behind-the-sofa', logKey);
  const logV = verifierOf(log.verifierKey);
  const at = new Date('2026-11-27T10:00:00Z');
  const { privateKey: witnessKey } = generateKeyPairSync('ed25519');
  const cosigner = ed25519Cosigner('sg.govbridge.example/witness', witnessKey, fixedClock(at));

  test('cosign and verify; the timestamp is reported; the key ID uses type 0x04', () => {
    const note = signNote(body, [log, cosigner]);
    const cv = cosignatureVerifier(cosigner.verifierKey);
    assert.ok(cv.ok);
    const opened = openCheckpoint(note, [logV], { cosigners: [cv.value] });
    assert.ok(opened.ok, !opened.ok ? opened.error.message : '');
    assert.deepEqual(opened.value.cosignatures, [
      { name: cosigner.name, keyId: cosigner.keyId, timestamp: at.getTime() / 1000 },
    ]);
    const parsedKey = parseVerifierKey(cosigner.verifierKey);
    assert.equal(parsedKey.ok && parsedKey.value.type, 4);
    // A cosignature key is not a log key and the other way round.
    assert.equal(ed25519NoteVerifier(cosigner.verifierKey).ok, false);
    assert.equal(cosignatureVerifier(log.verifierKey).ok, false);
  });

  test('a cosignature over another checkpoint, a changed timestamp or a wrong key fails', () => {
    const cv = cosignatureVerifier(cosigner.verifierKey);
    assert.ok(cv.ok);
    const note = signNote(body, [log, cosigner]);
    const cosigLine = note.split('\n').find((l) => l.startsWith(`— ${cosigner.name} `))!;
    const b64 = cosigLine.split(' ')[2]!;
    const bytes = Buffer.from(decodeBase64(b64)!);
    // Timestamp moved by one second.
    const moved = Buffer.from(bytes);
    moved.writeBigUInt64BE(bytes.readBigUInt64BE(4) + 1n, 4);
    assert.equal(
      reasonOf(
        openCheckpoint(note.replace(b64, moved.toString('base64')), [logV], { cosigners: [cv.value] }),
      ),
      'invalid_signature',
    );
    // The same cosignature moved onto a different checkpoint signed by the log.
    const other = signNote(body.replace('20852163', '20852164'), [log], [cosigLine]);
    assert.equal(reasonOf(openCheckpoint(other, [logV], { cosigners: [cv.value] })), 'invalid_signature');
    // Another witness key under the same name: not a known key, ignored, so no cosignature reported.
    const stranger = ed25519Cosigner(
      cosigner.name,
      generateKeyPairSync('ed25519').privateKey,
      fixedClock(at),
    );
    const byStranger = signNote(body, [log, stranger]);
    const opened = openCheckpoint(byStranger, [logV], { cosigners: [cv.value] });
    assert.ok(opened.ok);
    assert.deepEqual(opened.value.cosignatures, []);
    // A timestamp in the future, when the verifier bounds it.
    const future = ed25519Cosigner(cosigner.name, witnessKey, fixedClock(new Date(at.getTime() + 3_600_000)));
    const strict = cosignatureVerifier(cosigner.verifierKey, { clock: fixedClock(at), maxFutureSeconds: 60 });
    assert.ok(strict.ok);
    assert.equal(
      reasonOf(openCheckpoint(signNote(body, [log, future]), [logV], { cosigners: [strict.value] })),
      'invalid_signature',
    );
  });

  test('a note signed only by a cosigner is not a checkpoint of the log', () => {
    const cv = cosignatureVerifier(cosigner.verifierKey);
    assert.ok(cv.ok);
    const note = signNote(body, [cosigner]);
    assert.equal(reasonOf(openCheckpoint(note, [logV], { cosigners: [cv.value] })), 'no_known_signature');
  });
});
