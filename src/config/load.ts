import { GovbridgeError } from '../kernel/index.ts';
import { type Config, type Setting, settings } from './schema.ts';

/**
 * The published development key-encryption key. It is in the source on purpose: it protects nothing
 * and production refuses it.
 */
export const DEVELOPMENT_KEY_ENCRYPTION_KEY = 'ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQtMDA';

/**
 * Read, validate and freeze the configuration. Throws one `config_invalid` error that names every
 * variable that is wrong and why (never echoing a secret's value).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(settings) as [string, Setting<unknown>][]) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      out[key] = s.fallback?.(out);
      continue;
    }
    const parsed = s.schema.safeParse(raw);
    if (parsed.success) {
      out[key] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((i) => i.message).join('; ');
      problems.push(s.secret ? `${s.env} ${reason}` : `${s.env} ${reason} (got ${JSON.stringify(raw)})`);
      out[key] = s.fallback?.(out);
    }
  }
  if (out['nodeEnv'] !== 'production' && out['keyEncryptionKey'] === undefined) {
    out['keyEncryptionKey'] = DEVELOPMENT_KEY_ENCRYPTION_KEY;
  }
  // Fail closed: a public https deployment must say which mode it runs in. Without this, forgetting
  // NODE_ENV would start it in development mode: simulators mounted as the national schemes, demo
  // clients registered, keys sealed with the published development key.
  if (
    (env['NODE_ENV'] === undefined || env['NODE_ENV'] === '') &&
    String(out['publicUrl']).startsWith('https://')
  ) {
    problems.push(
      'NODE_ENV must be set explicitly (production, or development) when GOVBRIDGE_PUBLIC_URL is https: a public deployment never runs in development mode by omission',
    );
  }
  problems.push(...adminSignInProblems(out));
  problems.push(...productionGuards(out, env));
  if (problems.length > 0) {
    throw new GovbridgeError('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      expose: false,
      detail: { variables: problems.length },
    });
  }
  return Object.freeze(out) as unknown as Config;
}

/** The operators' OpenID Provider (ADR 18): all of its settings or none, and someone to let in. */
function adminSignInProblems(c: Record<string, unknown>): string[] {
  const p: string[] = [];
  const issuer = c['adminIssuer'];
  const related = [
    ['adminClientId', 'GOVBRIDGE_ADMIN_CLIENT_ID'],
    ['adminClientSecret', 'GOVBRIDGE_ADMIN_CLIENT_SECRET'],
  ] as const;
  if (issuer === undefined) {
    for (const [key, variable] of related)
      if (c[key] !== undefined) p.push(`${variable} is set but GOVBRIDGE_ADMIN_ISSUER is not`);
    return p;
  }
  for (const [key, variable] of related)
    if (c[key] === undefined) p.push(`${variable} is required with GOVBRIDGE_ADMIN_ISSUER`);
  const operators = c['adminOperators'] as readonly unknown[] | undefined;
  const groups = c['adminGroupsClaim'] && (c['adminOperatorGroup'] || c['adminViewerGroup']);
  if ((operators?.length ?? 0) === 0 && !groups)
    p.push(
      'GOVBRIDGE_ADMIN_ISSUER needs GOVBRIDGE_ADMIN_OPERATORS or GOVBRIDGE_ADMIN_GROUPS_CLAIM with a group: otherwise no one can sign in',
    );
  if (c['nodeEnv'] === 'production' && typeof issuer === 'string' && !issuer.startsWith('https://'))
    p.push('GOVBRIDGE_ADMIN_ISSUER must be https:// in production');
  return p;
}

/** Production refuses everything that exists only to make development easy. */
function productionGuards(c: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  if (c['nodeEnv'] !== 'production') return [];
  const p: string[] = [];
  if (c['simulators'])
    p.push('GOVBRIDGE_SIMULATORS must be false in production: simulators are for development only');
  if (c['demoServices'])
    p.push('GOVBRIDGE_DEMO_SERVICES must be false in production: demo services are for development only');
  if (!c['keyEncryptionKey']) p.push('GOVBRIDGE_KEY_ENCRYPTION_KEY is required in production');
  if (c['keyEncryptionKey'] === DEVELOPMENT_KEY_ENCRYPTION_KEY)
    p.push('GOVBRIDGE_KEY_ENCRYPTION_KEY is the published development key; production needs its own');
  if (!c['signingKeysFile'])
    p.push('GOVBRIDGE_SIGNING_KEYS_FILE is required in production: generated development keys are refused');
  if (!c['cookieSecret']) p.push('GOVBRIDGE_COOKIE_SECRET is required in production');
  if (!c['databaseUrl']) p.push('DATABASE_URL is required in production (PostgreSQL)');
  if (typeof c['publicUrl'] === 'string' && !c['publicUrl'].startsWith('https://'))
    p.push('GOVBRIDGE_PUBLIC_URL must be https:// in production');
  // Trust anchors and upstream endpoints only over TLS: the One Login DID document is the sole anchor
  // for coreIdentityJWT, and discovery tells the hub where to send codes and fetch keys.
  for (const [key, variable] of [
    ['singpassIssuer', 'GOVBRIDGE_SINGPASS_ISSUER'],
    ['oneloginIssuer', 'GOVBRIDGE_ONELOGIN_ISSUER'],
    ['oneloginDidUrl', 'GOVBRIDGE_ONELOGIN_DID_URL (the DID document anchors coreIdentityJWT)'],
    ['oneloginIdentityIssuer', 'GOVBRIDGE_ONELOGIN_IDENTITY_ISSUER'],
  ] as const) {
    const v = c[key];
    if (typeof v === 'string' && !v.startsWith('https://'))
      p.push(`${variable} must be https:// in production`);
  }
  for (const [scheme, file, prefix] of [
    ['Singpass', 'singpassKeysFile', 'GOVBRIDGE_SINGPASS'],
    ['One Login', 'oneloginKeysFile', 'GOVBRIDGE_ONELOGIN'],
  ] as const) {
    const issuerKey = scheme === 'Singpass' ? 'singpassIssuer' : 'oneloginIssuer';
    if (c[issuerKey] && !c[file])
      p.push(
        `${prefix}_KEYS_FILE is required in production when ${scheme} is enabled: generated keys are refused`,
      );
  }
  void env;
  return p;
}

/** Markdown reference of every setting, generated from the schema table. */
export function configurationReference(): string {
  const rows = Object.values(settings).map((s: Setting<unknown>) => {
    let def = s.defaultText ?? '';
    if (!def && s.fallback) {
      const v = s.fallback({});
      def = v === undefined ? '' : `\`${String(v)}\``;
    }
    return `| \`${s.env}\` | ${def || '—'} | ${s.secret ? 'yes' : ''} | ${s.describe.replaceAll('|', '\\|')} |`;
  });
  return [
    '# Configuration reference',
    '',
    'Generated from `src/config/schema.ts` by `npm run docs:config`; do not edit by hand.',
    'Every setting is read once, at start, from the environment. An invalid value stops start-up with a',
    'message naming the variable and what is wrong. A variable set to the empty string counts as unset',
    '(its default applies). "Required in production" means start-up with `NODE_ENV=production` stops',
    'without it.',
    '',
    '| variable | default | secret | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
