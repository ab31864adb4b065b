import { parseArgs } from 'node:util';
import type { AppContext } from '../app/index.ts';
import { LEGAL_BASES, type LegalBasis, type Recipient, type ReleaseContext } from '../policy/index.ts';

export const POLICY_USAGE = `  policy what-if (--client ID | --agency ID)
                 [--environment E] [--attributes a,b,c] [--purpose TEXT] [--cross-border]
                 [--legal-basis B] [--no-consent]
                                       What the release policy would decide for each attribute: decision,
                                       deciding policy and the reason the citizen would read. --client reads
                                       the relying party's country, environment, purpose and attributes
                                       (--environment etc. override them: "what if it moved?"); an agency's country,
                                       environment and entitled fields come from its registration. Legal basis:
                                       ${LEGAL_BASES.join(', ')} (default: consent for a client, none for an agency)
  policy environments                  The hosting environments and what each may hold
`;

class PolicyUsage extends Error {}

/**
 * `policy …`: what-if decisions and the environment registry, from the policy the hub loaded. Usage
 * mistakes exit 2 with the usage; a GovbridgeError (an unknown environment or attribute) reaches
 * main, which prints its one-line reason and exits 1.
 */
export async function policyCommand(
  ctx: AppContext,
  sub: string | undefined,
  rest: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  try {
    if (sub === 'what-if') return await whatIf(ctx, rest, out);
    if (sub === 'environments') {
      out(
        table(
          ['environment', 'jurisdiction', 'UK max', 'SG max', 'max rank', 'segregated', 'name'],
          ctx.environments.environments.map((e) => [
            e.id,
            e.jurisdiction,
            e.uk.maxMarking,
            e.sg.maxClassification,
            String(e.maxRank),
            e.segregated ? 'yes' : 'no',
            e.name,
          ]),
        ),
      );
      return 0;
    }
    throw new PolicyUsage(`Unknown command: policy ${sub ?? ''}`.trim());
  } catch (e) {
    if (e instanceof PolicyUsage) {
      err(`${e.message}\n\nUsage: npm run cli -- policy …\n${POLICY_USAGE}`);
      return 2;
    }
    throw e;
  }
}

async function whatIf(ctx: AppContext, rest: string[], out: (s: string) => void): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      allowPositionals: false,
      strict: true,
      options: {
        client: { type: 'string' },
        agency: { type: 'string' },
        environment: { type: 'string' },
        country: { type: 'string' },
        attributes: { type: 'string' },
        purpose: { type: 'string' },
        'cross-border': { type: 'boolean' },
        'legal-basis': { type: 'string' },
        'no-consent': { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new PolicyUsage(e instanceof Error ? e.message : String(e));
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const clientId = str('client');
  const agencyId = str('agency');
  if ((clientId === undefined) === (agencyId === undefined))
    throw new PolicyUsage('policy what-if needs exactly one of --client or --agency');

  let recipient: Recipient;
  let purpose = str('purpose');
  let attributes: string[] | undefined;
  if (clientId !== undefined) {
    const client = await ctx.clients.get(clientId);
    if (!client) throw new PolicyUsage(`No client ${clientId} (npm run cli -- clients list)`);
    recipient = {
      kind: 'service',
      id: client.clientId,
      name: client.name,
      country: country(str('country') ?? client.country),
      environment: str('environment') ?? client.environment,
    };
    purpose ??= client.purpose;
    attributes = client.attributes;
  } else {
    // A registered agency: its country, environment and entitled fields (as `<event>.<field>`);
    // an agency not (yet) registered can be described with --environment and --country.
    const agency = await ctx.notifications.agencies.get(agencyId!);
    const environment = str('environment') ?? agency?.environment;
    const c = str('country') ?? agency?.country;
    if (!environment || !c)
      throw new PolicyUsage(
        `No agency ${agencyId} (npm run cli -- agencies list): describe it with --environment and --country (GB or SG)`,
      );
    recipient = {
      kind: 'agency',
      id: agencyId!,
      name: agency?.name ?? agencyId!,
      country: country(c),
      environment,
    };
    if (agency) {
      attributes = agency.subscriptions.flatMap((sub) => sub.attributes.map((a) => `${sub.eventType}.${a}`));
      purpose ??= 'Tell Us Once';
    }
  }
  const list = str('attributes');
  if (list !== undefined)
    attributes = list
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  if (!attributes || attributes.length === 0)
    throw new PolicyUsage('--attributes must name at least one attribute (comma-separated)');

  const basis = str('legal-basis') ?? (recipient.kind === 'service' ? 'consent' : 'none');
  if (!(LEGAL_BASES as readonly string[]).includes(basis))
    throw new PolicyUsage(`--legal-basis must be one of ${LEGAL_BASES.join(', ')}`);
  const context: ReleaseContext = {
    purpose: purpose ?? '',
    consentGiven: values['no-consent'] !== true,
    crossBorder: values['cross-border'] === true,
    legalBasis: basis as LegalBasis,
  };

  // Throws environment_unknown (exit 1) for a recipient with no, or an unknown, environment.
  const env = ctx.policy.environmentOf(recipient.environment);
  const decisions = ctx.policy.decideRelease({ recipient, attributes, context });
  out(
    `${recipient.kind} ${recipient.id} (${recipient.country}) in ${env.id}: UK up to ${env.uk.maxMarking}, ` +
      `Singapore up to ${env.sg.maxClassification}, rank ${env.maxRank}${env.segregated ? ', segregated' : ''}\n` +
      `purpose ${JSON.stringify(context.purpose)}; legal basis ${context.legalBasis}; ` +
      `${context.crossBorder ? 'cross-border' : 'within one country'}; consent ${context.consentGiven ? 'given' : 'not given'}\n\n`,
  );
  out(
    table(
      ['attribute', 'decision', 'deciding policy', 'reason'],
      decisions.map((d) => [d.attribute, d.decision, d.policies.join(', '), d.reason]),
    ),
  );
  return 0;
}

function country(c: string): 'GB' | 'SG' {
  if (c !== 'GB' && c !== 'SG')
    throw new PolicyUsage(`--country must be GB or SG (got ${JSON.stringify(c)})`);
  return c;
}

/** Columns padded to their widest cell, except the last (reasons are long). */
function table(head: string[], rows: string[][]): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return `${all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
