import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppContext } from '../app/index.ts';
import { configurationReference, loadConfig } from '../config/index.ts';
import { isGovbridgeError } from '../kernel/index.ts';
import { LEDGER_USAGE, ledgerCommand } from './ledger-command.ts';
import { LIFE_EVENTS_USAGE, lifeEventsCommand } from './life-events-command.ts';
import { NOTIFICATIONS_USAGE, notificationsCommand } from './notifications-command.ts';
import { POLICY_USAGE, policyCommand } from './policy-command.ts';

/**
 * Operator commands. Thin wrappers over the same services the hub uses, through the composition
 * root. Each prints a result to stdout and exits non-zero with a one-line reason on failure.
 */
const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  config-docs                          Print the configuration reference (Markdown)
  keys list                            List keys by purpose (no private material)
  keys rotate --purpose P [--grace-seconds N]
                                       Make a new active key for P (hub-sig, singpass-sig, singpass-enc,
                                       onelogin-sig); the old one stays published for N seconds (default 86400)
  clients register --file F            Register (or update) and approve a relying party from a JSON metadata file
  clients approve [--] CLIENT_ID       Approve a self-registered (Dynamic Client Registration) relying party
  clients approve --client-id=CLIENT_ID
                                       The same; for an id beginning with "-" use this form or put "--"
                                       before it (ids of older hub versions may begin with "-" or "_")
  clients suspend [--] CLIENT_ID       Suspend an approved relying party (no citizen reaches it until resumed)
  clients resume [--] CLIENT_ID        Resume a suspended relying party
  clients list                         List relying parties, with approved/pending/suspended status
  admin sign-in-link [--name N] [--role operator|viewer]
                                       Print a one-time link (10 minutes) into the operator console /admin
  admin audit [--limit N]              Print the operators' audit trail, newest first
  admin audit-verify                   Check the audit trail's hash chain and signatures (exit 1 if broken)
${POLICY_USAGE}${NOTIFICATIONS_USAGE}${LEDGER_USAGE}${LIFE_EVENTS_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'config-docs') {
    process.stdout.write(configurationReference());
    return 0;
  }
  if (command === 'life-events') return lifeEventsCommand(sub, rest);
  // The ledger opens the context itself: verify-receipt needs no configuration or database.
  if (command === 'ledger') return ledgerCommand(sub, rest, async () => (await open())(loadConfig()));
  const config = loadConfig();
  const ctx = await (await open())(config);
  try {
    if (command === 'policy') return await policyCommand(ctx, sub, rest);
    if (command === 'agencies' || command === 'notifications') {
      return await notificationsCommand(ctx, command, sub, rest);
    }
    return await run(ctx, command, sub, rest);
  } finally {
    await ctx.close();
  }
}

/**
 * The composition root, imported when a command needs it: it loads every module of the hub (about a
 * second), which `life-events` (a bulk run starts worker threads as soon as it can) does not need.
 */
async function open(): Promise<typeof import('../app/index.ts').openContext> {
  return (await import('../app/index.ts')).openContext;
}

async function run(
  ctx: AppContext,
  command: string,
  sub: string | undefined,
  rest: string[],
): Promise<number> {
  const { values, positionals } = parseCommandLine(rest, {
    purpose: { type: 'string' },
    'grace-seconds': { type: 'string' },
    file: { type: 'string' },
    'client-id': { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    limit: { type: 'string' },
  });
  // Every change an operator makes from the command line is in the audit trail (ADR 18), as the
  // person the shell runs as.
  const cliActor = {
    subject: 'cli',
    name: `command line (${process.env['USER'] ?? 'unknown user'})`,
    role: 'operator' as const,
    via: 'cli',
  };
  if (command === 'admin' && sub === 'sign-in-link') {
    const role = values.role ?? 'operator';
    if (role !== 'operator' && role !== 'viewer') throw usage('--role must be operator or viewer');
    const name = (values.name ?? process.env['USER'] ?? 'operator').trim();
    if (!/^[\p{L}\p{N} .'’-]{1,100}$/u.test(name))
      throw usage("--name must be 1 to 100 letters, digits, spaces or . ' -");
    const { token, expiresAt } = await ctx.operator.sessions.createLink(`link:${name}`, name, role);
    await ctx.operator.audit.append(cliActor, 'operator.link_issued', '', { for: name, role });
    process.stdout.write(
      `${ctx.config.publicUrl}/admin/sign-in/link?token=${token}\nWorks once, until ${new Date(expiresAt).toISOString()}, for ${name} as ${role}.\n`,
    );
    return 0;
  }
  if (command === 'admin' && sub === 'audit') {
    const limit = Number(values.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw usage('--limit must be 1 to 500');
    for (const r of await ctx.operator.audit.list({ limit })) {
      const detail = Object.entries(r.detail)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      process.stdout.write(
        `${r.seq}\t${r.time}\t${r.actor.name} (${r.actor.role}, ${r.actor.via})\t${r.action}\t${r.target}\t${detail}\t${r.hash}\n`,
      );
    }
    return 0;
  }
  if (command === 'admin' && sub === 'audit-verify') {
    const v = await ctx.operator.audit.verify();
    if (v.ok) {
      process.stdout.write(
        v.head
          ? `Audit trail intact: ${v.size} records; head ${v.head.seq} ${v.head.hash}\n`
          : 'Audit trail intact: no records yet\n',
      );
      return 0;
    }
    process.stdout.write(`Audit trail BROKEN at record ${v.problem?.seq}: ${v.problem?.reason}\n`);
    return 1;
  }
  if (command === 'keys' && sub === 'list') {
    const rows = await ctx.storage.db
      .selectFrom('keys')
      .select(['kid', 'purpose', 'alg', 'created_at', 'retired_at', 'expires_at'])
      .orderBy('purpose')
      .orderBy('created_at')
      .execute();
    for (const r of rows) {
      const state = r.retired_at === null ? 'active' : `retired, published until ${iso(r.expires_at)}`;
      process.stdout.write(`${r.purpose}\t${r.kid}\t${r.alg}\tcreated ${iso(r.created_at)}\t${state}\n`);
    }
    return 0;
  }
  if (command === 'keys' && sub === 'rotate') {
    const purpose = values.purpose;
    if (!purpose || !ctx.keyPurposes.includes(purpose)) {
      throw usage(`--purpose must be one of ${ctx.keyPurposes.join(', ')}`);
    }
    const grace = Number(values['grace-seconds'] ?? 86400);
    if (!Number.isInteger(grace) || grace < 0)
      throw usage('--grace-seconds must be a whole number of seconds');
    const r = await ctx.keys.rotate(purpose as Parameters<typeof ctx.keys.rotate>[0], grace);
    process.stdout.write(
      `New active ${purpose} key ${r.kid}; retired ${r.retired.join(', ') || 'none'} (published for ${grace} s). Restart hub processes to sign with it.\n`,
    );
    return 0;
  }
  if (command === 'clients' && sub === 'register') {
    if (!values.file) throw usage('--file is required');
    let metadata: unknown;
    try {
      metadata = JSON.parse(readFileSync(values.file, 'utf8'));
    } catch {
      throw usage(`${values.file} is not a readable JSON file`);
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw usage(`${values.file} must hold one JSON object of client metadata`);
    }
    const c = await ctx.clients.register(metadata as Record<string, unknown>);
    process.stdout.write(
      `Registered ${c.clientId} (${c.agency}, ${c.country}) in ${c.environment}, minimum ${c.minAcr}\n`,
    );
    return 0;
  }
  if (command === 'clients' && sub === 'list') {
    for (const c of await ctx.clients.list()) {
      process.stdout.write(
        `${c.clientId}\t${c.country}\t${c.agency}\t${c.minAcr}\t${c.attributes.join(',')}\t${c.status} (${c.registeredBy})\t${c.environment ?? 'no environment'}\n`,
      );
    }
    return 0;
  }
  if (command === 'clients' && sub === 'approve') {
    const clientId = values['client-id'] ?? positionals[0];
    if (!clientId || positionals.length > (values['client-id'] === undefined ? 1 : 0)) {
      throw usage('clients approve needs one CLIENT_ID');
    }
    const c = await ctx.clients.get(clientId);
    if (!c) throw usage(`No client ${clientId}`);
    if (c.status !== 'pending') {
      process.stdout.write(
        `${clientId} is already approved${c.status === 'suspended' ? ' (and suspended)' : ''}\n`,
      );
      return 0;
    }
    await ctx.operator.actions.approveClient(cliActor, clientId);
    process.stdout.write(
      `Approved ${clientId}: "${c.name}", run by ${c.agency} (${c.country}), purpose "${c.purpose}", attributes ${c.attributes.join(', ') || 'none'}\n`,
    );
    return 0;
  }
  if (command === 'clients' && (sub === 'suspend' || sub === 'resume')) {
    const clientId = values['client-id'] ?? positionals[0];
    if (!clientId || positionals.length > (values['client-id'] === undefined ? 1 : 0)) {
      throw usage(`clients ${sub} needs one CLIENT_ID`);
    }
    if (!(await ctx.clients.get(clientId))) throw usage(`No client ${clientId}`);
    const changed =
      sub === 'suspend'
        ? await ctx.operator.actions.suspendClient(cliActor, clientId)
        : await ctx.operator.actions.resumeClient(cliActor, clientId);
    process.stdout.write(
      changed
        ? `${sub === 'suspend' ? 'Suspended' : 'Resumed'} ${clientId}\n`
        : `${clientId}: nothing changed\n`,
    );
    return 0;
  }
  throw usage(`Unknown command: ${[command, sub].filter(Boolean).join(' ')}`);
}

/**
 * Options and positionals, strictly. An argument beginning with "-" that is not an option is most
 * likely an id that begins with "-" (Dynamic Client Registration ids of older hub versions may): the
 * error says how to pass it ("--" before it, or --client-id=ID).
 */
function parseCommandLine(
  args: string[],
  options: Record<string, { type: 'string' | 'boolean' }>,
): { values: Record<string, string | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, allowPositionals: true, strict: true, options });
    return { values: r.values as Record<string, string | undefined>, positionals: r.positionals };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const end = args.indexOf('--');
    const dashed = args.find(
      (a, i) =>
        (end === -1 || i < end) &&
        /^-[^-]|^--./.test(a) &&
        !(a.replace(/^--?/, '').split('=')[0]! in options),
    );
    throw usage(
      dashed
        ? `${message}. If ${JSON.stringify(dashed)} is an id, not an option, put "--" before it or use --client-id=${dashed}`
        : message,
    );
  }
}

class UsageError extends Error {}
const usage = (m: string) => new UsageError(m);
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (isGovbridgeError(err)) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`Unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
