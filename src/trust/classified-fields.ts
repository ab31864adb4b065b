import type { TrustFramework } from './schema.ts';

/**
 * Every key under which an attribute above `maxRank` (default: above rank 0, public) can appear in a
 * logged object: the common claim names, and the scheme-native names they are read from (Myinfo
 * attribute names such as `regadd`, One Login's `coreIdentity`, `passport`, its userinfo claim URIs).
 * The logger redacts the values under these keys at any depth (src/web/logging.ts), so classification
 * — not a hand-kept list — decides what can never reach a log line.
 */
export function classifiedFieldNames(tf: TrustFramework, maxRank = 0): ReadonlySet<string> {
  const names = new Set<string>();
  for (const [claim, def] of Object.entries(tf.claims)) {
    if (def.classification.rank <= maxRank) continue;
    names.add(claim);
    for (const scheme of Object.values(tf.schemes)) {
      const mapping = scheme.claims[claim];
      if (!mapping) continue;
      // `person.regadd` → `regadd`; `coreIdentity.birthDate[0].value` → `coreIdentity`, `birthDate`.
      // A fallback source (`subAttributes.mobileno`) is classified like the mapping's own.
      const segments = [mapping.source, ...(mapping.fallback ? [mapping.fallback.source] : [])]
        .flatMap((source) => source.split('.'))
        .map((s) => s.replace(/\[.*$/, ''))
        .filter((s) => !GENERIC_SEGMENTS.has(s));
      for (const s of segments) names.add(s);
      for (const uri of mapping.userinfoClaims ?? []) names.add(uri);
    }
  }
  return names;
}

/** Path segments that name a container or a value slot, not an attribute (Myinfo `person.x.value`). */
const GENERIC_SEGMENTS = new Set(['person', 'value', 'code', 'desc']);
