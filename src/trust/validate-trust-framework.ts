import type { SchemeId, Tier } from './assertions.ts';
import {
  deriveRank,
  impliedRanks,
  SG_CLASSIFICATION_RANK,
  SG_SENSITIVITY_RANK,
  UK_DESCRIPTORS,
  UK_MARKING_RANK,
} from './classification-rank.ts';
import {
  KNOWN_SCOPES,
  KNOWN_SOURCES,
  KNOWN_USERINFO_CLAIMS,
  REFERENCE_CEILINGS,
  SINGPASS_ACCOUNT_TYPE_CEILINGS,
} from './reference-ceilings.ts';
import type { ClaimMapping, HubLevel, SchemeDefinition, TrustFramework, VocabularyEntry } from './schema.ts';
import { compareTier, meetsTier, TIERS } from './tiers.ts';
import { TRANSFORMS } from './transforms.ts';

/**
 * The rules of a trust-framework file that a schema cannot express. Each problem names the path inside
 * the file and the reason; the loader reports them all at once.
 *
 * Rules:
 * - the tiers are exactly none < low < substantial < high;
 * - hub levels have unique `acr` values and are listed lowest first, each requiring more than the last;
 * - every scheme value is known (has a reference ceiling) and is mapped at or below its ceiling:
 *   map down, never up; a One Login identity vector's credential part is declared on its own;
 * - Singpass account-type identities stay at or below their ceilings;
 * - classification labels are known and declared lowest first; OFFICIAL-SENSITIVE names its
 *   descriptor; sensitive Singapore data is never OFFICIAL (OPEN); each claim's rank is at least the
 *   rank every native label implies (never mapped down; a higher rank is allowed, with a warning);
 * - each claim mapping names a catalogued claim, a known source, a known transform fit for that
 *   scheme and claim, an existing code table, and the scopes / userinfo claims its source needs;
 * - `verified` is consistent with the claim (`verifiable`) and the scheme (`myinfo-source`: Singpass).
 * Warnings (allowed): a hub level that no scheme can reach; a rank above what the labels imply.
 */
export type Path = readonly (string | number)[];
export interface Problem {
  readonly path: Path;
  readonly reason: string;
}

type Unfrozen = Omit<TrustFramework, 'warnings' | 'sourceName'>;

export function validateTrustFramework(tf: Unfrozen): { problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const add = (path: Path, reason: string) => problems.push({ path, reason });

  if (tf.tiers.join(',') !== TIERS.join(',')) {
    add(['tiers'], `must be exactly [${TIERS.join(', ')}] in that order (got [${tf.tiers.join(', ')}])`);
  }

  checkHubLevels(tf.hubLevels, add);
  const warnings: string[] = [];
  checkClassifications(tf, add, (w) => warnings.push(w));
  for (const id of ['singpass', 'onelogin'] as const) checkScheme(tf, id, add);

  return { problems, warnings: [...unreachableLevels(tf), ...warnings] };
}

type Add = (path: Path, reason: string) => void;

function checkHubLevels(levels: readonly HubLevel[], add: Add): void {
  const seen = new Map<string, number>();
  levels.forEach((level, i) => {
    const first = seen.get(level.acr);
    if (first !== undefined)
      add(['hubLevels', i, 'acr'], `duplicate acr "${level.acr}" (also hubLevels[${first}])`);
    else seen.set(level.acr, i);
    const prev = levels[i - 1];
    if (prev) {
      const di = compareTier(level.identity, prev.identity);
      const da = compareTier(level.authentication, prev.authentication);
      if (di < 0 || da < 0 || (di === 0 && da === 0)) {
        add(
          ['hubLevels', i],
          `must require more than the level before it ("${prev.acr}": identity ${prev.identity}, authentication ${prev.authentication}) in at least one dimension and less in none; list levels lowest first`,
        );
      }
    }
  });
}

function checkClassifications(tf: Unfrozen, add: Add, warn: (w: string) => void): void {
  const declared = tf.classification;
  const knownLabel = (list: readonly string[], known: readonly string[], path: Path) =>
    list.forEach((label, i) => {
      if (!known.includes(label))
        add([...path, i], `unknown label "${label}" (this hub knows ${known.join(', ')})`);
      // Each regime's ladder is declared lowest first, as the regime orders it.
      const before = list[i - 1];
      if (before !== undefined && known.includes(label) && known.indexOf(before) > known.indexOf(label))
        add(
          [...path, i],
          `"${label}" is listed after "${before}": list the labels lowest first (${known.join(', ')})`,
        );
    });
  knownLabel(declared.uk.markings, Object.keys(UK_MARKING_RANK), ['classification', 'uk', 'markings']);
  knownLabel(declared.uk.descriptors, UK_DESCRIPTORS, ['classification', 'uk', 'descriptors']);
  knownLabel(declared.sg.classifications, Object.keys(SG_CLASSIFICATION_RANK), [
    'classification',
    'sg',
    'classifications',
  ]);
  knownLabel(declared.sg.sensitivities, Object.keys(SG_SENSITIVITY_RANK), [
    'classification',
    'sg',
    'sensitivities',
  ]);

  // Claims, and every field of a notification event's payload, carry both native labels and a rank.
  const labelled: Array<{ base: Path; c: (typeof tf.claims)[string]['classification'] }> = [
    ...Object.entries(tf.claims).map(([name, claim]) => ({
      base: ['claims', name, 'classification'],
      c: claim.classification,
    })),
    ...Object.entries(tf.events ?? {}).flatMap(([eventType, event]) =>
      Object.entries(event.fields).map(([field, f]) => ({
        base: ['events', eventType, 'fields', field, 'classification'],
        c: f.classification,
      })),
    ),
  ];
  for (const { base, c } of labelled) {
    const inList = (value: string, list: readonly string[], path: Path, what: string) => {
      if (!list.includes(value)) add(path, `unknown ${what} "${value}" (declared: ${list.join(', ')})`);
    };
    inList(c.uk.marking, declared.uk.markings, [...base, 'uk', 'marking'], 'UK marking');
    if (c.uk.descriptor !== undefined)
      inList(c.uk.descriptor, declared.uk.descriptors, [...base, 'uk', 'descriptor'], 'UK descriptor');
    inList(
      c.sg.classification,
      declared.sg.classifications,
      [...base, 'sg', 'classification'],
      'Singapore classification',
    );
    inList(
      c.sg.sensitivity,
      declared.sg.sensitivities,
      [...base, 'sg', 'sensitivity'],
      'Singapore sensitivity',
    );
    // GSCP: OFFICIAL-SENSITIVE marks a reinforced need-to-know; the descriptor says which (for the
    // hub's data, PERSONAL), and the consent page and policy reasons name it.
    if (c.uk.marking === 'OFFICIAL-SENSITIVE' && c.uk.descriptor === undefined)
      add(
        [...base, 'uk', 'descriptor'],
        `OFFICIAL-SENSITIVE needs a descriptor saying why (one of ${declared.uk.descriptors.join(', ')})`,
      );
    // Sensitive (personal) data is never open: IM8 puts personal data at RESTRICTED, non-personal
    // closed data at OFFICIAL (CLOSED).
    if ((SG_SENSITIVITY_RANK[c.sg.sensitivity] ?? 0) > 0 && c.sg.classification === 'OFFICIAL (OPEN)')
      add(
        [...base, 'sg', 'classification'],
        `${c.sg.sensitivity} data cannot be OFFICIAL (OPEN): sensitive data is at least OFFICIAL (CLOSED)`,
      );
    const derived = deriveRank(c);
    if (derived !== undefined && c.rank < derived) {
      const implied = impliedRanks(c);
      const labels = [
        `UK ${c.uk.marking} → ${implied.uk}`,
        ...(c.uk.descriptor === undefined ? [] : [`descriptor ${c.uk.descriptor} → ${implied.descriptor}`]),
        `SG ${c.sg.classification} → ${implied.sg}`,
        `sensitivity ${c.sg.sensitivity} → ${implied.sensitivity}`,
      ];
      add(
        [...base, 'rank'],
        `declared rank ${c.rank} but the labels derive rank ${derived} (the stricter of ${labels.join(', ')}): a rank may not understate its labels (map down, never up)`,
      );
    } else if (derived !== undefined && c.rank > derived) {
      warn(
        `${base.join('.')}.rank: declared rank ${c.rank} is above the rank ${derived} its labels imply (handled more strictly than labelled)`,
      );
    }
  }
}

function vocabularyOf(scheme: SchemeDefinition): {
  key: string;
  entries: Readonly<Record<string, VocabularyEntry>>;
} {
  return 'acr' in scheme.assurance
    ? { key: 'acr', entries: scheme.assurance.acr }
    : { key: 'vtr', entries: scheme.assurance.vtr };
}

function checkScheme(tf: Unfrozen, id: SchemeId, add: Add): void {
  const scheme: SchemeDefinition = tf.schemes[id];
  const vocab = vocabularyOf(scheme);
  const ceilings = REFERENCE_CEILINGS[id];
  const base = ['schemes', id, 'assurance', vocab.key];

  if (Object.keys(vocab.entries).length === 0) add(base, 'must declare at least one value');
  for (const [value, entry] of Object.entries(vocab.entries)) {
    const ceiling = ceilings[value];
    if (!ceiling) {
      add(
        [...base, value],
        `unknown ${scheme.displayName} value "${value}": the hub has no reference ceiling for it (known: ${Object.keys(ceilings).join(', ')}); add one in src/trust/reference-ceilings.ts after review`,
      );
      continue;
    }
    for (const dim of ['identity', 'authentication'] as const) {
      if (!meetsTier(ceiling[dim], entry[dim])) {
        add(
          [...base, value, dim],
          `maps ${scheme.displayName} "${value}" UP to ${dim} ${entry[dim]}; its ceiling is ${ceiling[dim]} (map down, never up)`,
        );
      }
    }
    if (id === 'onelogin') {
      const credential = credentialPart(value);
      if (credential !== value && !Object.hasOwn(vocab.entries, credential)) {
        add(
          [...base, value],
          `its credential part "${credential}" must be declared too: a One Login ID token's vot carries only the credential part`,
        );
      }
    }
  }
  if (id === 'singpass') {
    const types = tf.schemes.singpass.assurance.accountTypes;
    for (const [type, t] of Object.entries(types) as [string, { identity: Tier }][]) {
      const ceiling = SINGPASS_ACCOUNT_TYPE_CEILINGS[type]!;
      if (!meetsTier(ceiling, t.identity)) {
        add(
          ['schemes', id, 'assurance', 'accountTypes', type, 'identity'],
          `maps ${type} accounts UP to identity ${t.identity}; their ceiling is ${ceiling} (map down, never up)`,
        );
      }
    }
  }

  // Scopes and userinfo claims the scheme understands.
  scheme.scopes.forEach((scope, i) => {
    if (!KNOWN_SCOPES[id].includes(scope))
      add(['schemes', id, 'scopes', i], `unknown ${scheme.displayName} scope "${scope}"`);
  });
  if (!scheme.scopes.includes('openid')) add(['schemes', id, 'scopes'], 'must include openid');
  const userinfo = 'userinfoClaims' in scheme ? scheme.userinfoClaims : {};
  for (const claim of Object.keys(userinfo)) {
    if (!KNOWN_USERINFO_CLAIMS.includes(claim))
      add(['schemes', id, 'userinfoClaims', claim], `unknown One Login userinfo claim "${claim}"`);
  }

  for (const [claim, mapping] of Object.entries(scheme.claims)) {
    checkMapping(tf, id, scheme, claim, mapping, Object.keys(userinfo), (path, reason) =>
      add(['schemes', id, 'claims', claim, ...path], reason),
    );
  }
}

/** `Cl.Cm.P2` → `Cl.Cm`: the C-components of a vector (RFC 8485 §3; One Login "choose the level"). */
export function credentialPart(vector: string): string {
  return vector
    .split('.')
    .filter((c) => c.startsWith('C'))
    .join('.');
}

function checkMapping(
  tf: Unfrozen,
  id: SchemeId,
  scheme: SchemeDefinition,
  claim: string,
  m: ClaimMapping,
  userinfoClaims: readonly string[],
  add: Add,
): void {
  const def = tf.claims[claim];
  if (!def) {
    add([], `maps into unknown claim "${claim}": declare it under claims first`);
    return;
  }
  checkSource(id, scheme, claim, def.verifiable, m, m.scopes, m.userinfoClaims ?? [], add);
  if (m.fallback !== undefined) {
    checkSource(
      id,
      scheme,
      claim,
      def.verifiable,
      m.fallback,
      m.scopes,
      m.userinfoClaims ?? [],
      (path, reason) => add(['fallback', ...path], reason),
    );
    if (m.fallback.source === m.source) add(['fallback', 'source'], 'the fallback must be another source');
  }
  m.scopes.forEach((s, i) => {
    if (!scheme.scopes.includes(s))
      add(['scopes', i], `scope "${s}" is not among the scheme's scopes (${scheme.scopes.join(', ')})`);
  });
  (m.userinfoClaims ?? []).forEach((c, i) => {
    if (!userinfoClaims.includes(c))
      add(
        ['userinfoClaims', i],
        id === 'singpass'
          ? 'Singpass has no userinfo claims: ask by scope'
          : `userinfo claim "${c}" is not among the scheme's userinfoClaims`,
      );
  });
}

/**
 * One source of a mapping (its own, or its fallback): known to the scheme and asked for by the
 * mapping's scopes / userinfo claims; a transform fit for scheme and claim; a declared code table;
 * a `verified` rule consistent with the claim and the source.
 */
function checkSource(
  id: SchemeId,
  scheme: SchemeDefinition,
  claim: string,
  verifiable: boolean,
  m: {
    readonly source: string;
    readonly transform?: string | undefined;
    readonly table?: string | undefined;
    readonly verified: ClaimMapping['verified'];
  },
  scopes: readonly string[],
  userinfoClaims: readonly string[],
  add: Add,
): void {
  const known = KNOWN_SOURCES[id];
  const root = Object.keys(known)
    .filter((k) => m.source === k || m.source.startsWith(`${k}.`) || m.source.startsWith(`${k}[`))
    .sort((a, b) => b.length - a.length)[0];
  if (root === undefined) {
    add(
      ['source'],
      `unknown ${scheme.displayName} source "${m.source}" (known sources: ${Object.keys(known).join(', ')})`,
    );
  } else {
    const need = known[root]!;
    if (need.scope && !scopes.includes(need.scope))
      add(['scopes'], `source "${m.source}" needs the scope "${need.scope}"`);
    if (need.userinfoClaim && !userinfoClaims.includes(need.userinfoClaim))
      add(['userinfoClaims'], `source "${m.source}" needs the userinfo claim "${need.userinfoClaim}"`);
  }

  if (m.transform !== undefined) {
    const t = TRANSFORMS[m.transform];
    if (!t) {
      add(['transform'], `unknown transform "${m.transform}" (known: ${Object.keys(TRANSFORMS).join(', ')})`);
    } else {
      if (!t.schemes.includes(id))
        add(['transform'], `transform "${m.transform}" does not read ${scheme.displayName} assertions`);
      if (t.claims && !t.claims.includes(claim))
        add(['transform'], `transform "${m.transform}" produces ${t.claims.join(' or ')}, not ${claim}`);
      if (t.table === 'required' && m.table === undefined)
        add(['table'], `transform "${m.transform}" needs a code table`);
      if (t.table === 'none' && m.table !== undefined)
        add(['table'], `transform "${m.transform}" uses no code table`);
    }
  } else if (m.table !== undefined) {
    add(['table'], 'a code table needs a transform (code-table or code-table-list) to apply it');
  }
  if (m.table !== undefined && !Object.hasOwn(scheme.tables, m.table)) {
    add(
      ['table'],
      `unknown code table "${m.table}" (declared: ${Object.keys(scheme.tables).join(', ') || 'none'})`,
    );
  }

  if (m.verified !== 'never' && !verifiable)
    add(['verified'], `claim "${claim}" is not verifiable: use never`);
  if (m.verified === 'myinfo-source' && (id !== 'singpass' || !m.source.startsWith('person.')))
    add(['verified'], 'myinfo-source applies only to Singpass Myinfo sources (person.*)');
}

/** Hub levels that no scheme's requestable values reach (for a standard account). */
function unreachableLevels(tf: Unfrozen): string[] {
  return tf.hubLevels
    .filter((level) =>
      (['singpass', 'onelogin'] as const).every(
        (id) =>
          !Object.values(vocabularyOf(tf.schemes[id]).entries).some(
            (e) =>
              e.requestable &&
              meetsTier(e.identity, level.identity) &&
              meetsTier(e.authentication, level.authentication),
          ),
      ),
    )
    .map(
      (level) =>
        `hub level "${level.acr}" (identity ${level.identity}, authentication ${level.authentication}) is reachable by no scheme: relying parties asking for it will always be refused`,
    );
}

export { vocabularyOf };
