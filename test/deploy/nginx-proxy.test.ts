import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import {
  children,
  type HubProcess,
  serviceLogin,
  startHubProcess,
  stopHubProcess,
} from '../faults/support.ts';
import { signIn } from '../reports/support.ts';
import { freePort, type TestHub } from '../support/hub.ts';
import { newKey, TestRp } from '../support/rp.ts';
import {
  createDatabase,
  findNginx,
  kek,
  NGINX_EXAMPLE,
  type Nginx,
  operatorHub,
  readAccessLog,
  selfSignedCertificate,
  startNginx,
  substitute,
  tempDir,
} from './support.ts';

/**
 * docs/deploy.md, tested: examples/deploy/nginx/govbridge.conf, as written (only its names, ports,
 * certificate and log paths replaced), terminating TLS in front of two hub processes (`node
 * src/server.ts`) on one new PostgreSQL database. Through the proxy: `/readyz`; a service's whole OAuth
 * login (PAR, the Singpass simulator, consent, token, userinfo; private_key_jwt and DPoP, whose `aud`
 * and `htu` are the public https URL) and a citizen's sign-in to their account, with consecutive
 * requests answered by different processes (nginx's access log says which); the hub answering for
 * its public https URL whatever Host or X-Forwarded-* reached it; Secure cookies; plain HTTP
 * redirected; no query string in the access log. Skipped only when nginx is not installed.
 */

const NGINX = findNginx();
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

test('two hub processes on one PostgreSQL database behind the example nginx configuration: logins cross processes, /readyz, the public https URL', {
  skip: NGINX ? false : 'nginx is not installed (apt-get install -y nginx; .ci/run installs it)',
  timeout: 240_000,
}, async () => {
  const dir = tempDir('nginx');
  const { cert, key } = selfSignedCertificate(dir);
  // This process and the hub processes trust the test certificate (the hubs fetch their simulators'
  // discovery documents through the proxy too).
  setDefaultCACertificates([...getCACertificates('default'), readFileSync(cert, 'utf8')]);
  cleanups.push(() => setDefaultCACertificates(getCACertificates('bundled')));

  const [httpsPort, httpPort, portA, portB] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const publicUrl = `https://127.0.0.1:${httpsPort}`;
  const db = await createDatabase('govbridge_deploy_proxy');
  cleanups.push(() => db.drop());

  // Settings every process shares (docs/deploy.md): one public URL, one database, one cookie secret,
  // one key-encryption key.
  const shared: Record<string, string> = {
    NODE_ENV: 'test',
    GOVBRIDGE_PUBLIC_URL: publicUrl,
    DATABASE_URL: db.url,
    GOVBRIDGE_COOKIE_SECRET: kek(),
    GOVBRIDGE_KEY_ENCRYPTION_KEY: kek(),
    GOVBRIDGE_DEMO_SERVICES: 'false',
  };
  const operator: TestHub = await operatorHub({
    ...shared,
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
  });
  cleanups.push(() => operator.close());
  const rpKey = await newKey();
  const clientId = 'rp-behind-nginx';
  const redirectUri = `https://${clientId}.rp.example/callback`;
  await operator.ctx.clients.register(TestRp.metadata({}, rpKey, clientId, redirectUri));

  const site = substitute(readFileSync(NGINX_EXAMPLE, 'utf8'), [
    ['server 127.0.0.1:3001', `server 127.0.0.1:${portA}`],
    ['server 127.0.0.1:3002', `server 127.0.0.1:${portB}`],
    ['https://govbridge.example.gov.uk$request_uri', `${publicUrl}$request_uri`],
    ['govbridge.example.gov.uk', '127.0.0.1'],
    ['    listen [::]:80;\n', ''],
    ['    listen [::]:443 ssl http2;\n', ''],
    ['listen 80;', `listen 127.0.0.1:${httpPort};`],
    ['listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`],
    ['/etc/ssl/govbridge/fullchain.pem', cert],
    ['/etc/ssl/govbridge/privkey.pem', key],
    ['/var/log/nginx/govbridge-access.log', join(dir, 'logs/access.log')],
    // Not in the example: the built-in simulators stand in for Singpass and One Login, which are one
    // service outside the hub each. They keep their codes in memory (development only, refused in
    // production), so the test sends every simulator request to process A.
    [
      '    location / {',
      `    location /simulators/ {\n        proxy_pass http://127.0.0.1:${portA};\n    }\n\n    location / {`,
    ],
  ]);
  const nginx: Nginx = await startNginx(NGINX!, dir, site, httpsPort);
  cleanups.push(() => nginx.stop());

  const hubs: HubProcess[] = [];
  for (const [name, port] of [
    ['A', portA],
    ['B', portB],
  ] as const) {
    const hub = await startHubProcess(name, {
      ...shared,
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_EXTRA_CA_CERTS: cert,
      LOG_LEVEL: 'warn',
    });
    hubs.push(hub);
    cleanups.push(() => stopHubProcess(hub));
  }
  const upstreamOf = new Map([
    [`127.0.0.1:${portA}`, 'A'],
    [`127.0.0.1:${portB}`, 'B'],
  ]);
  const read = () => readAccessLog(nginx.accessLog).map((l) => ({ ...l, hub: upstreamOf.get(l.upstream) }));
  /**
   * The access log once every answer so far is in it: nginx writes a line after the answer has gone,
   * so a marker request is sent and waited for (one worker logs in the order answers finish).
   */
  const served = async () => {
    const markers = read().filter((l) => l.path === '/healthz').length;
    assert.equal((await fetch(`${publicUrl}/healthz`)).status, 200);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lines = read();
      if (lines.filter((l) => l.path === '/healthz').length > markers) return lines;
      assert.ok(Date.now() < deadline, 'the marker request reached the access log');
      await sleep(20);
    }
  };

  // /readyz through the proxy: 200 from each process in turn.
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${publicUrl}/readyz`);
    assert.equal(res.status, 200, await res.text());
  }
  const probes = (await served()).filter((l) => l.path === '/readyz');
  assert.deepEqual(new Set(probes.map((l) => l.hub)), new Set(['A', 'B']), JSON.stringify(probes));

  // The hub answers for its public URL, whatever Host or X-Forwarded-* the request carried: through
  // the proxy with forged headers (nginx overwrites them), and directly to a process.
  for (const [where, url, headers] of [
    ['through nginx', publicUrl, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }],
    ['directly to process A', `http://127.0.0.1:${portA}`, { host: 'evil.example' }],
  ] as const) {
    const res = await fetch(`${url}/.well-known/openid-configuration`, { headers });
    assert.equal(res.status, 200, where);
    const discovery = (await res.json()) as Record<string, string>;
    assert.equal(discovery['issuer'], publicUrl, where);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'pushed_authorization_request_endpoint',
      'jwks_uri',
      'userinfo_endpoint',
    ]) {
      assert.ok(
        discovery[endpoint]?.startsWith(`${publicUrl}/`),
        `${where}: ${endpoint} ${discovery[endpoint]}`,
      );
    }
  }

  // Plain HTTP is redirected to the https public URL.
  const plain = await fetch(`http://127.0.0.1:${httpPort}/readyz`, { redirect: 'manual' });
  assert.equal(plain.status, 301);
  assert.equal(plain.headers.get('location'), `${publicUrl}/readyz`);

  // A service's whole login through the proxy (PAR with DPoP, the Singpass simulator, consent, token,
  // userinfo): three citizens, so every step meets both processes.
  const before = (await served()).length;
  const rp = new TestRp({ url: publicUrl } as TestHub, clientId, redirectUri, rpKey, await newKey());
  for (let i = 0; i < 3; i++) await serviceLogin(rp);
  // A citizen signs in to their account pages through the proxy.
  const citizen = await signIn({ url: publicUrl } as TestHub);
  const consents = await citizen.request(`${publicUrl}/account/consents`);
  assert.equal(consents.status, 200);
  assert.match(await consents.text(), /rp-behind-nginx|Protocol test/);

  const login = (await served()).slice(before);
  assert.ok(
    login.every((l) => l.status < 500),
    JSON.stringify(login.filter((l) => l.status >= 500)),
  );
  const steps = login.filter((l) => /^\/(par|authorize|interaction\/|token|userinfo|account\/)/.test(l.path));
  for (const hub of ['A', 'B']) {
    for (const path of [/^\/par$/, /^\/authorize/, /^\/interaction\//, /^\/token$/, /^\/userinfo$/]) {
      assert.ok(
        steps.some((l) => l.hub === hub && path.test(l.path)),
        `process ${hub} answered ${path} at least once:\n${steps.map((l) => `${l.hub} ${l.method} ${l.path} ${l.status}`).join('\n')}`,
      );
    }
  }
  // One interaction's pages, started on one process and continued on the other.
  const byInteraction = new Map<string, Set<string | undefined>>();
  for (const l of steps) {
    const uid = /^\/interaction\/([^/]+)/.exec(l.path)?.[1];
    if (uid) byInteraction.set(uid, (byInteraction.get(uid) ?? new Set()).add(l.hub));
  }
  assert.ok(
    [...byInteraction.values()].some((s) => s.size === 2),
    'an interaction crossed processes',
  );

  // Cookies are Secure (the hub knows its public scheme is https although nginx speaks http to it).
  const page = await fetch(`${publicUrl}/account/consents`);
  const cookies = page.headers.getSetCookie();
  assert.ok(cookies.length > 0, 'a page sets a cookie');
  for (const c of cookies) assert.match(c, /;\s*Secure/i, c);

  // A body over the hub's 64 KiB limit is refused by nginx (413) and never reaches the hub: let
  // through, the hub's answer raced nginx's sending of the rest and sometimes came back as a 502.
  const big = await fetch(`${publicUrl}/account/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `scheme=${'x'.repeat(100 * 1024)}`,
  });
  const bigBody = await big.text();
  assert.equal(big.status, 413, bigBody);
  assert.ok(
    (await served()).some((l) => l.path === '/account/sign-in' && l.status === 413 && !l.hub),
    'refused by nginx, not proxied',
  );

  // What nginx logged: paths only, never a query string (codes, states, hints).
  const log = readFileSync(nginx.accessLog, 'utf8');
  assert.doesNotMatch(log, /[?&](code|state|request_uri|login_hint)=/);
  assert.doesNotMatch(log, /"path":"[^"]*\?/);
  for (const hub of hubs) assert.equal(hub.exits.length, 0, `${hub.name}: ${hub.output()}`);
});
