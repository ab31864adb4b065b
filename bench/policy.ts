import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadPolicyEngine, type PolicyEngine, type ReleaseRequest } from '../src/policy/index.ts';
import { loadEnvironments, loadTrustFramework } from '../src/trust/index.ts';

/**
 * `npm run bench:policy` — release-policy decisions (issue "Data security"): target p99 < 0.5 ms
 * for all the attributes of a typical login (8).
 *
 * Parts, each after a warm-up, timed per call with performance.now():
 *  - load: reading, strictly validating and pre-parsing policies/ (start-up cost);
 *  - login, memoised: `decideRelease` for 8 attributes as the hub runs it (decisions remembered per
 *    recipient × attribute × context), requests cycling over 12 recipients (services and agencies in
 *    every environment) and 2 contexts — what a stream of logins looks like;
 *  - login, first time for its recipient and context: memoisation on, but every call a request never
 *    seen before (a new purpose each time), so nothing is remembered across calls; attributes with the
 *    same labels still share one Cedar call (the 8 login attributes have 1–2 distinct classifications);
 *  - login, Cedar every time: memoisation off, so every attribute is one `statefulIsAuthorized` call
 *    (pre-parsed schema and policies, two entities per request);
 *  - single attribute, both ways.
 * Reports decisions/s (attributes decided per second of one core), p50, p99 and max per call, and the
 * load average before and after (other work on this shared machine slows every figure).
 *
 *   BENCH_POLICY_LOGINS   timed calls per part (default 20,000)
 */
const N = Number(process.env['BENCH_POLICY_LOGINS'] ?? 20_000);
const root = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));

const load = (() => {
  const t0 = performance.now();
  const trust = loadTrustFramework(root('trust/trust-framework.yaml'));
  const environments = loadEnvironments(root('trust/environments.yaml'));
  const t1 = performance.now();
  const memoised = loadPolicyEngine({ dir: root('policies'), trust, environments });
  const t2 = performance.now();
  const cedarOnly = loadPolicyEngine({ dir: root('policies'), trust, environments, memoize: false });
  return { memoised, cedarOnly, trustMs: t1 - t0, policyMs: t2 - t1 };
})();

const LOGIN = [
  'name',
  'given_name',
  'family_name',
  'birthdate',
  'nationalities',
  'address',
  'email',
  'phone_number',
];
const requests: ReleaseRequest[] = [];
for (const environment of load.memoised.environments.environments.map((e) => e.id)) {
  for (const [kind, country] of [
    ['service', 'GB'],
    ['agency', 'SG'],
  ] as const) {
    for (const crossBorder of [true, false]) {
      requests.push({
        recipient: {
          kind,
          id: `${kind}-${environment}`,
          name: `A ${kind} in ${environment}`,
          country,
          environment,
        },
        attributes: LOGIN,
        context: {
          purpose: 'To confirm who you are',
          consentGiven: true,
          crossBorder,
          legalBasis: 'consent',
        },
      });
    }
  }
}
const singles: ReleaseRequest[] = requests.map((r, i) => ({ ...r, attributes: [LOGIN[i % LOGIN.length]!] }));
/** A request never seen before: same recipient and attributes, a purpose of its own. */
const firstTime = (i: number): ReleaseRequest => {
  const r = requests[i % requests.length]!;
  return { ...r, context: { ...r.context, purpose: `To confirm who you are (${i})` } };
};
const cycle = (list: ReleaseRequest[]) => (i: number) => list[i % list.length]!;

function measure(engine: PolicyEngine, pick: (i: number) => ReleaseRequest, n: number) {
  for (let i = 0; i < Math.min(2_000, n); i++) engine.decideRelease(pick(n + i));
  const times = new Float64Array(n);
  let decisions = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const r = pick(i);
    const t = performance.now();
    decisions += engine.decideRelease(r).length;
    times[i] = performance.now() - t;
  }
  const wall = performance.now() - start;
  times.sort();
  const q = (p: number) => times[Math.min(n - 1, Math.floor(n * p))]!;
  return { p50: q(0.5), p99: q(0.99), max: times[n - 1]!, perSecond: (decisions / wall) * 1000 };
}

const before = loadavg();
const rows = [
  ['login (8 attributes), memoised', measure(load.memoised, cycle(requests), N)],
  ['login (8 attributes), first time for its recipient and context', measure(load.memoised, firstTime, N)],
  ['login (8 attributes), Cedar every time', measure(load.cedarOnly, cycle(requests), N)],
  ['single attribute, memoised', measure(load.memoised, cycle(singles), N)],
  ['single attribute, Cedar every time', measure(load.cedarOnly, cycle(singles), N)],
] as const;
const after = loadavg();

const ms = (x: number) => `${x.toFixed(4)} ms`;
process.stdout.write(
  `node ${process.version}; ${requests.length} distinct login requests (${load.memoised.environments.environments.length} environments × service/agency × cross-border or not), ${N} timed calls per part\n` +
    `start-up: trust framework + environments ${load.trustMs.toFixed(1)} ms; policies/ validated (strict) and pre-parsed ${load.policyMs.toFixed(1)} ms (${load.memoised.policies.length} policies)\n` +
    `load average before ${before.map((l) => l.toFixed(2)).join(' ')}, after ${after.map((l) => l.toFixed(2)).join(' ')}\n\n` +
    `| part | decisions/s | p50 | p99 | max | p99 < 0.5 ms per login |\n| --- | --- | --- | --- | --- | --- |\n` +
    rows
      .map(
        ([name, r]) =>
          `| ${name} | ${Math.round(r.perSecond).toLocaleString('en-GB')} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${name.startsWith('login') ? (r.p99 < 0.5 ? 'yes' : 'no') : '—'} |`,
      )
      .join('\n') +
    '\n',
);
