#!/usr/bin/env node
// Write the private key files a production hub needs (docs/deploy.md, "Secrets and key files"), one
// JWKS per setting, each file readable by its owner only (0600), in the directory given:
//
//   node examples/deploy/generate-keys.mjs /etc/govbridge/keys
//
//   hub-signing.jwks.json     GOVBRIDGE_SIGNING_KEYS_FILE       ES256: ID tokens, the hub's JWKS
//   notification.jwks.json    GOVBRIDGE_NOTIFICATION_KEYS_FILE  ES256: Tell Us Once notifications
//   ledger.jwks.json          GOVBRIDGE_LEDGER_KEYS_FILE        Ed25519: ledger checkpoints
//   singpass.jwks.json        GOVBRIDGE_SINGPASS_KEYS_FILE      ES256 signing + ECDH-ES+A256KW decryption
//   onelogin.jwks.json        GOVBRIDGE_ONELOGIN_KEYS_FILE      RS256 (3072-bit RSA)
//
// It also prints a new GOVBRIDGE_KEY_ENCRYPTION_KEY and GOVBRIDGE_COOKIE_SECRET for your secret store.
// It never overwrites a file: a key in use is rotated, not replaced (docs/deploy.md). Plain
// JavaScript with node:crypto only; each key's `kid` is its RFC 7638 thumbprint.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir || process.argv.length > 3) {
  process.stderr.write('usage: node generate-keys.mjs DIRECTORY\n');
  process.exit(2);
}

/** RFC 7638 thumbprint of a public JWK: SHA-256 of its required members, in order, base64url. */
function thumbprint(jwk) {
  const members = { EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'], RSA: ['e', 'kty', 'n'] }[jwk.kty];
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

function key(type, options, alg, use) {
  const { privateKey } = generateKeyPairSync(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: thumbprint(jwk), alg, use };
}

const ec = () => ['ec', { namedCurve: 'P-256' }];
const files = {
  'hub-signing.jwks.json': () => [key(...ec(), 'ES256', 'sig')],
  'notification.jwks.json': () => [key(...ec(), 'ES256', 'sig')],
  'ledger.jwks.json': () => [key('ed25519', {}, 'EdDSA', 'sig')],
  'singpass.jwks.json': () => [key(...ec(), 'ES256', 'sig'), key(...ec(), 'ECDH-ES+A256KW', 'enc')],
  'onelogin.jwks.json': () => [key('rsa', { modulusLength: 3072 }, 'RS256', 'sig')],
};

mkdirSync(dir, { recursive: true, mode: 0o700 });
for (const [name, make] of Object.entries(files)) {
  const path = join(dir, name);
  if (existsSync(path)) {
    process.stderr.write(`${path} exists: left as it is\n`);
    continue;
  }
  writeFileSync(path, `${JSON.stringify({ keys: make() }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  process.stdout.write(`wrote ${path}\n`);
}
process.stdout.write(
  `\nGOVBRIDGE_KEY_ENCRYPTION_KEY=${randomBytes(32).toString('base64url')}\n` +
    `GOVBRIDGE_COOKIE_SECRET=${randomBytes(32).toString('base64url')}\n`,
);
