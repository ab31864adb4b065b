import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGovbridgeError } from '../kernel/index.ts';
import { type Config, configurationReference, DEVELOPMENT_KEY_ENCRYPTION_KEY, loadConfig } from './index.ts';

function fails(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(isGovbridgeError(err));
    assert.equal(err.code, 'config_invalid');
    return err.message;
  }
  assert.fail('expected loadConfig to fail');
}

test('config: development defaults are complete and frozen', () => {
  const c = loadConfig({});
  assert.equal(c.nodeEnv, 'development');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 3000);
  assert.equal(c.publicUrl, 'http://127.0.0.1:3000');
  assert.equal(c.simulators, true);
  assert.equal(c.singpassIssuer, 'http://127.0.0.1:3000/simulators/singpass/fapi');
  assert.equal(c.keyEncryptionKey, DEVELOPMENT_KEY_ENCRYPTION_KEY);
  assert.equal(Buffer.from(DEVELOPMENT_KEY_ENCRYPTION_KEY, 'base64url').length, 32);
  assert.ok(Object.isFrozen(c));
});

test('config: HOST, PORT and GOVBRIDGE_PUBLIC_URL', () => {
  assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicUrl, 'http://0.0.0.0:8080');
  const c = loadConfig({ NODE_ENV: 'development', GOVBRIDGE_PUBLIC_URL: 'https://hub.example.gov.uk/' });
  assert.equal(c.publicUrl, 'https://hub.example.gov.uk');
  assert.equal(c.oneloginIssuer, 'https://hub.example.gov.uk/simulators/onelogin');
});

test('config: a public https URL without NODE_ENV is refused (fail closed)', () => {
  assert.match(
    fails({ GOVBRIDGE_PUBLIC_URL: 'https://hub.example.gov.uk' }),
    /NODE_ENV must be set explicitly/,
  );
});

test('config: production needs https for upstream issuers and the DID document', () => {
  const m = fails({
    NODE_ENV: 'production',
    GOVBRIDGE_ONELOGIN_ISSUER: 'http://oidc.example/',
    GOVBRIDGE_ONELOGIN_DID_URL: 'http://identity.example/.well-known/did.json',
  });
  assert.match(m, /GOVBRIDGE_ONELOGIN_ISSUER must be https/);
  assert.match(m, /GOVBRIDGE_ONELOGIN_DID_URL \(the DID document anchors coreIdentityJWT\) must be https/);
});

test('config: issuer identifiers are kept exactly (One Login’s ends with a slash)', () => {
  const c = loadConfig({ GOVBRIDGE_ONELOGIN_ISSUER: 'https://oidc.integration.account.gov.uk/' });
  assert.equal(c.oneloginIssuer, 'https://oidc.integration.account.gov.uk/');
  assert.match(fails({ GOVBRIDGE_SINGPASS_ISSUER: 'https://id.example/fapi?x=1' }), /must not have a query/);
});

test('config: an invalid value names the variable and the reason', () => {
  assert.match(fails({ PORT: 'eighty' }), /PORT must be a whole number \(got "eighty"\)/);
  assert.match(fails({ PORT: '70000' }), /PORT must be between 0 and 65535/);
  assert.match(fails({ GOVBRIDGE_PUBLIC_URL: 'not a url' }), /GOVBRIDGE_PUBLIC_URL must be an absolute URL/);
  assert.match(fails({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL must be a postgres/);
  assert.match(
    fails({ GOVBRIDGE_SINGPASS_PROFILE: 'v3' }),
    /GOVBRIDGE_SINGPASS_PROFILE must be fapi or legacy/,
  );
  assert.match(fails({ GOVBRIDGE_SIMULATORS: 'perhaps' }), /GOVBRIDGE_SIMULATORS must be true or false/);
});

test('config: secrets are never echoed in errors', () => {
  const message = fails({ GOVBRIDGE_INITIAL_ACCESS_TOKEN: 'short-secret-value' });
  assert.match(message, /GOVBRIDGE_INITIAL_ACCESS_TOKEN must be at least 32 characters/);
  assert.doesNotMatch(message, /short-secret-value/);
});

test('config: production turns simulators and demo services off by default', () => {
  const message = fails({ NODE_ENV: 'production', GOVBRIDGE_PUBLIC_URL: 'http://hub.example' });
  assert.doesNotMatch(message, /GOVBRIDGE_SIMULATORS/);
  assert.match(message, /GOVBRIDGE_PUBLIC_URL must be https:\/\/ in production/);
});

test('config: production refuses simulators, demo services and development keys', () => {
  const message = fails({
    NODE_ENV: 'production',
    GOVBRIDGE_PUBLIC_URL: 'https://hub.example',
    GOVBRIDGE_SIMULATORS: 'true',
    GOVBRIDGE_DEMO_SERVICES: 'true',
  });
  assert.match(message, /GOVBRIDGE_SIMULATORS must be false in production/);
  assert.match(message, /GOVBRIDGE_DEMO_SERVICES must be false in production/);
  assert.match(message, /GOVBRIDGE_KEY_ENCRYPTION_KEY is required in production/);
  assert.match(message, /GOVBRIDGE_SIGNING_KEYS_FILE is required in production/);
  const dev = fails({
    NODE_ENV: 'production',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_KEY_ENCRYPTION_KEY: DEVELOPMENT_KEY_ENCRYPTION_KEY,
  });
  assert.match(dev, /published development key/);
});

test('config: a complete production configuration loads', () => {
  const c = loadConfig({
    NODE_ENV: 'production',
    GOVBRIDGE_PUBLIC_URL: 'https://hub.example',
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
    GOVBRIDGE_SIGNING_KEYS_FILE: '/etc/govbridge/hub.jwks.json',
    GOVBRIDGE_COOKIE_SECRET: 'x'.repeat(40),
    DATABASE_URL: 'postgres://db/govbridge',
    GOVBRIDGE_SINGPASS_ISSUER: 'https://stg-id.singpass.gov.sg/fapi',
    GOVBRIDGE_SINGPASS_CLIENT_ID: 'abc',
    GOVBRIDGE_SINGPASS_KEYS_FILE: '/etc/govbridge/singpass.jwks.json',
  });
  assert.equal(c.simulators, false);
  assert.equal(c.oneloginIssuer, undefined);
});

test('config: the Config interface and the settings table name the same keys', () => {
  const loaded = Object.keys(loadConfig({})).sort();
  const expected: (keyof Config)[] = [
    'nodeEnv',
    'host',
    'port',
    'publicUrl',
    'databaseUrl',
    'databaseSchema',
    'sqlitePath',
    'keyEncryptionKey',
    'signingKeysFile',
    'notificationKeysFile',
    'simulators',
    'demoServices',
    'initialAccessToken',
    'cookieSecret',
    'logLevel',
    'trustFrameworkPath',
    'catalogueDir',
    'upstreamTimeoutMs',
    'notificationWorker',
    'notificationConcurrency',
    'notificationLeaseMs',
    'notificationTimeoutMs',
    'notificationPollMs',
    'notificationBackoffMs',
    'notificationMaxAttempts',
    'metricsPort',
    'metricsHost',
    'otlpEndpoint',
    'adminToken',
    'adminIssuer',
    'adminClientId',
    'adminClientSecret',
    'adminOperators',
    'adminGroupsClaim',
    'adminOperatorGroup',
    'adminViewerGroup',
    'keyRotationDays',
    'ledgerOrigin',
    'ledgerKeysFile',
    'ledgerCheckpointMs',
    'ledgerWitnessKeys',
    'ledgerWitnessedLogs',
    'ledgerWitnessUrls',
    'ledgerWitnessPushMs',
    'singpassSimulatorScenario',
    'oneloginSimulatorScenario',
    'singpassProfile',
    'singpassIssuer',
    'singpassClientId',
    'singpassKeysFile',
    'oneloginIssuer',
    'oneloginClientId',
    'oneloginKeysFile',
    'oneloginDidUrl',
    'oneloginIdentityIssuer',
    'oneloginRequestObjectClaims',
  ];
  assert.deepEqual(loaded, [...expected].sort());
});

test('config: the generated reference lists every variable', () => {
  const md = configurationReference();
  for (const v of [
    'NODE_ENV',
    'PORT',
    'HOST',
    'GOVBRIDGE_PUBLIC_URL',
    'DATABASE_URL',
    'GOVBRIDGE_INITIAL_ACCESS_TOKEN',
  ]) {
    assert.match(md, new RegExp(`\\| \`${v}\` \\|`));
  }
});

test('config: docs/configuration.md is the generated reference (run `npm run docs:config`)', async () => {
  const { readFile } = await import('node:fs/promises');
  const onDisk = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, configurationReference());
});
