import type { SchemeId, Tier } from './assertions.ts';
import {
  deriveRank,
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
 * - classification labels are known, and each claim's rank equals the rank derived from its labels;
 * - each claim mapping names a catalogued claim, a known source, a known transform fit for that
 *   scheme and claim, an existing code table, and the scopes / userinfo claims its source needs;
 * - `verified` is consistent with the claim (`verifiable`) and the scheme (`myinfo-source`: Singpass).
 * Warnings (allowed): a hub level that no scheme can reach.
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
  checkClassifications(tf, add);
  for (const id of ['singpass', 'onelogin'] as const) checkScheme(tf, id, add);

  return { problems, warnings: unreachableLevels(tf) };
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

function checkClassifications(tf: Unfrozen, add: Add): void {
  const declared = tf.classification;
  const knownLabel = (list: readonly string[], known: readonly string[], path: Path) =>
    list.forEach((label, i) => {
      if (!known.includes(label))
        add([...path, i], `unknown label "${label}" (this hub knows ${known.join(', ')})`);
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

  for (const [name, claim] of Object.entries(tf.claims)) {
    const base = ['claims', name, 'classification'];
    const c = claim.classification;
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
    const derived = deriveRank(c);
    if (derived !== undefined && derived !== c.rank) {
      add(
        [...base, 'rank'],
        `declared rank ${c.rank} but the labels derive rank ${derived} (the stricter of ${c.uk.marking}, ${c.sg.classification} and ${c.sg.sensitivity})`,
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
    if (need.scope && !m.scopes.includes(need.scope))
      add(['scopes'], `source "${m.source}" needs the scope "${need.scope}"`);
    if (need.userinfoClaim && !(m.userinfoClaims ?? []).includes(need.userinfoClaim))
      add(['userinfoClaims'], `source "${m.source}" needs the userinfo claim "${need.userinfoClaim}"`);
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

  if (m.verified !== 'never' && !def.verifiable)
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
