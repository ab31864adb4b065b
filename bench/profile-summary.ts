import { readFileSync } from 'node:fs';

/**
 * Summarise a V8 CPU profile (`node --cpu-prof`): self time by function and by package or source
 * area, and total (inclusive) time of chosen functions. Usage:
 *
 *   node bench/profile-summary.ts <file.cpuprofile> [top=40]
 */
interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** Where a frame comes from: a package, a govbridge source area, node internals, or V8. */
function area(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url;
  if (url.startsWith('wasm:')) return 'wasm';
  const src = /\/(src|bench)\/(.+?)\/?[^/]*$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url;
}

const fnSelf = new Map<string, number>();
const areaSelf = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  const shortUrl = frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
  const key = `${frame.functionName || '(anonymous)'} ${shortUrl}:${frame.lineNumber + 1}`;
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
  const a = area(frame);
  areaSelf.set(a, (areaSelf.get(a) ?? 0) + us);
}

/** Inclusive time of every area: samples with a frame of that area anywhere on their stack. */
const areaTotal = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    seen.add(area(byId.get(n)!.callFrame));
  }
  for (const a of seen) areaTotal.set(a, (areaTotal.get(a) ?? 0) + us);
}

/**
 * Self time charged to the nearest frame of a package or of govbridge's source: node internals and
 * native code count for the code that called them (node:crypto under jose counts as jose).
 */
const charged = new Map<string, number>();
for (const [id, us] of selfUs) {
  let owner = area(byId.get(id)!.callFrame);
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const a = area(byId.get(n)!.callFrame);
    if (!a.startsWith('node:') && !a.startsWith('(') && a !== 'wasm') {
      owner = a;
      break;
    }
  }
  charged.set(owner, (charged.get(owner) ?? 0) + us);
}

const pct = (us: number): string => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, m: Map<string, number>, n: number): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(`${pct(v)} ${ms(v)}  ${k}\n`);
  }
};
process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled\n`);
print('self time by area', areaSelf, top);
print('self time charged to the nearest package or source area', charged, top);
print('inclusive time by area', areaTotal, top);
print('self time by function', fnSelf, top);
