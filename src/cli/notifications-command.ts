import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppContext } from '../app/index.ts';
import { GovbridgeError } from '../kernel/index.ts';

export const NOTIFICATIONS_USAGE = `  agencies register --file F           Register (or replace) a Tell Us Once agency from a JSON file
                                       (docs/tell-us-once.md: endpoint, environment, encryption key, subscriptions)
  agencies list                        Agencies, their environment, endpoint and what each is entitled to
  agencies suspend|resume AGENCY_ID    Stop offering an agency new notifications, or start again
  notifications queues                 Notifications per agency and state (pending, sending, retrying, delivered, dead)
  notifications list [--state S] [--agency A] [--limit N]
                                       Notifications, newest first, with the last failure reason
  notifications show NOTIFICATION_ID   One notification and every failed attempt
  notifications replay NOTIFICATION_ID | --agency A
                                       Send dead letters again (each gets the agency's attempts again)
`;

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** `agencies …` and `notifications …`: thin wrappers over the notifications services. */
export async function notificationsCommand(
  ctx: AppContext,
  command: string,
  sub: string | undefined,
  rest: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      state: { type: 'string' },
      agency: { type: 'string' },
      limit: { type: 'string' },
    },
    strict: true,
  });
  const { agencies, operator } = ctx.notifications;
  // Changes go through the operator actions, so they are in the audit trail (ADR 18).
  const actor = {
    subject: 'cli',
    name: `command line (${process.env['USER'] ?? 'unknown user'})`,
    role: 'operator' as const,
    via: 'cli',
  };
  if (command === 'agencies' && sub === 'register') {
    if (!values.file) throw bad('--file is required');
    let registration: unknown;
    try {
      registration = JSON.parse(readFileSync(values.file, 'utf8'));
    } catch {
      throw bad(`${values.file} is not a readable JSON file`);
    }
    const a = await agencies.register(registration);
    out(
      `Registered ${a.agencyId} (${a.name}, ${a.country}) in ${a.environment}: ${a.subscriptions
        .map((s) => `${s.eventType} [${s.attributes.join(', ')}]`)
        .join('; ')}\n`,
    );
    return 0;
  }
  if (command === 'agencies' && sub === 'list') {
    for (const a of await agencies.list()) {
      out(
        `${a.agencyId}\t${a.country}\t${a.status}\t${a.environment}\t${a.endpoint}\t${a.subscriptions
          .map((s) => `${s.eventType}:${s.attributes.join(',')}`)
          .join(' ')}\n`,
      );
    }
    return 0;
  }
  if (command === 'agencies' && (sub === 'suspend' || sub === 'resume')) {
    const id = positionals[0];
    if (!id) throw bad(`agencies ${sub} needs the AGENCY_ID`);
    await ctx.operator.actions.setAgencyStatus(actor, id, sub === 'suspend' ? 'suspended' : 'active');
    out(`${id} is ${sub === 'suspend' ? 'suspended' : 'active'}\n`);
    return 0;
  }
  if (command === 'notifications' && sub === 'queues') {
    const rows = await operator.queues();
    if (rows.length === 0) out('No notifications.\n');
    for (const r of rows) out(`${r.agencyId}\t${r.state}\t${r.count}\toldest ${iso(r.oldest)}\n`);
    return 0;
  }
  if (command === 'notifications' && sub === 'list') {
    const filter: { state?: string; agencyId?: string; limit?: number } = {};
    if (values.state) filter.state = values.state;
    if (values.agency) filter.agencyId = values.agency;
    if (values.limit) {
      const n = Number(values.limit);
      if (!Number.isInteger(n) || n < 1) throw bad('--limit must be a whole number');
      filter.limit = n;
    }
    for (const n of await operator.list(filter)) {
      out(
        `${n.notificationId}\t${n.agencyId}\t${n.eventType}\t${n.state}\tattempts ${n.attempts}/${n.attemptLimit}\t${
          n.state === 'delivered' ? `delivered ${iso(n.deliveredAt)}` : (n.lastError ?? '')
        }\n`,
      );
    }
    return 0;
  }
  if (command === 'notifications' && sub === 'show') {
    const id = positionals[0];
    if (!id) throw bad('notifications show needs the NOTIFICATION_ID');
    const n = await operator.get(id);
    out(
      `${[
        `notification  ${n.notificationId}`,
        `report        ${n.reportId}`,
        `agency        ${n.agencyId}`,
        `event         ${n.eventType}`,
        `fields        ${n.attributes.join(', ')}`,
        `state         ${n.state}`,
        `attempts      ${n.attempts} of ${n.attemptLimit}`,
        `created       ${iso(n.createdAt)}`,
        `delivered     ${iso(n.deliveredAt)}`,
        ...(n.state === 'retrying' ? [`next attempt  ${iso(n.nextAttemptAt)}`] : []),
        ...n.failures.map((f) => `failed #${f.attempt}    ${iso(f.at)}  ${f.error}`),
      ].join('\n')}\n`,
    );
    return 0;
  }
  if (command === 'notifications' && sub === 'replay') {
    const id = positionals[0];
    if (!id && !values.agency) throw bad('notifications replay needs a NOTIFICATION_ID or --agency');
    const n = await ctx.operator.actions.replay(
      actor,
      id ? { notificationId: id } : { agencyId: values.agency! },
    );
    out(
      `Replayed ${n} dead letter${n === 1 ? '' : 's'}; a running hub sends ${n === 1 ? 'it' : 'them'} now.\n`,
    );
    return 0;
  }
  throw bad(`Unknown command: ${[command, sub].filter(Boolean).join(' ')}`);
}

function bad(message: string): GovbridgeError {
  return new GovbridgeError('bad_request', message);
}
