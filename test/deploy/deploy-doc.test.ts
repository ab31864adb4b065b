import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { settings } from '../../src/config/schema.ts';
import type { TestHub } from '../support/hub.ts';
import { createDatabase, kek, operatorHub, ROOT } from './support.ts';

/**
 * docs/deploy.md and examples/deploy/ name only what exists: every environment variable is a setting
 * of src/config/schema.ts, every metric is one a hub on PostgreSQL exposes (read from a live
 * scrape of its metrics listener, not from a list), every local link leads to a file, and the
 * Prometheus rules in examples/deploy/prometheus/alerts.yml are the guide's alert table.
 */

const GUIDE = join(ROOT, 'docs/deploy.md');
const EXAMPLES = join(ROOT, 'examples/deploy');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const SOURCES = [GUIDE, ...filesUnder(EXAMPLES)];
const text = (file: string) => readFileSync(file, 'utf8');

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

test('every environment variable in docs/deploy.md and examples/deploy/ is a hub setting', () => {
  const known = new Set(Object.values(settings).map((s) => s.env));
  let seen = 0;
  for (const file of SOURCES) {
    // Upper-case names with an underscore (GOVBRIDGE_…, DATABASE_URL, NODE_ENV, LOG_LEVEL), and the
    // one-word settings where they are assigned or quoted.
    const names = new Set([
      ...[...text(file).matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((m) => m[0]),
      ...[...text(file).matchAll(/(?:^|`)(HOST|PORT)(?==|`)/gm)].map((m) => m[1]!),
    ]);
    for (const name of names) {
      seen++;
      assert.ok(
        known.has(name),
        `${relative(ROOT, file)} names ${name}, which is not a setting in src/config/schema.ts`,
      );
    }
  }
  assert.ok(seen > 30, `the guide and examples name settings (${seen})`);
});

test('every link to a file in docs/deploy.md leads to one', () => {
  for (const [, target] of text(GUIDE).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^https?:/.test(target!)) continue;
    assert.ok(
      existsSync(join(dirname(GUIDE), target!)),
      `docs/deploy.md links to ${target}, which does not exist`,
    );
  }
});

test('the Prometheus rules are the guide’s alert table, expression for expression', () => {
  const rules = (
    parse(text(join(EXAMPLES, 'prometheus/alerts.yml'))) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: { summary: string } }> }>;
    }
  ).groups.flatMap((g) => g.rules);
  const guide = text(GUIDE);
  const table = [...guide.matchAll(/^\| [^|]+ \| `([^`]+)` \| \d+m \|/gm)].map((m) => m[1]);
  assert.equal(rules.length, table.length, 'as many rules as rows');
  for (const r of rules) {
    assert.match(r.alert, /^Govbridge[A-Za-z]+$/);
    assert.ok(r.annotations.summary.length > 10, r.alert);
    assert.ok(table.includes(r.expr), `${r.alert}: its expression is in the guide's table: ${r.expr}`);
  }
});

test('every metric in docs/deploy.md and the Prometheus rules is exposed by a hub on PostgreSQL', {
  timeout: 120_000,
}, async () => {
  const db = await createDatabase('govbridge_deploy_doc');
  cleanups.push(() => db.drop());
  const hub: TestHub = await operatorHub({
    DATABASE_URL: db.url,
    GOVBRIDGE_KEY_ENCRYPTION_KEY: kek(),
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
    GOVBRIDGE_METRICS_PORT: '0',
  });
  cleanups.push(() => hub.close());
  assert.ok(hub.metricsPort, 'the metrics listener runs');
  const res = await fetch(`http://127.0.0.1:${hub.metricsPort}/metrics`);
  assert.equal(res.status, 200);
  const families = new Map(
    [...(await res.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
  );
  assert.ok(families.has('govbridge_db_pool_waiting'), 'the PostgreSQL pool gauges are there');
  const exposed = (name: string) => {
    if (families.has(name)) return true;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return base !== name && families.get(base) === 'histogram';
  };
  let seen = 0;
  for (const file of [GUIDE, join(EXAMPLES, 'prometheus/alerts.yml')]) {
    for (const [name] of text(file).matchAll(/\bgovbridge_[a-z0-9_]+\b/g)) {
      seen++;
      assert.ok(exposed(name), `${relative(ROOT, file)} names ${name}, which the hub does not expose`);
    }
  }
  assert.ok(seen > 20, `the guide names metrics (${seen})`);
});
