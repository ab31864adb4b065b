import { GovbridgeError } from '../kernel/index.ts';
import type { SchemeId } from './assertions.ts';
import type { Classification, HubLevel, SchemeDefinition, TrustFramework } from './schema.ts';

/** The hub's `acr` levels, lowest first. */
export function hubLevels(tf: TrustFramework): readonly HubLevel[] {
  return tf.hubLevels;
}

/** The hub level for an `acr` value; `invalid_request` when the hub does not offer it. */
export function hubLevelOf(tf: TrustFramework, acr: string): HubLevel {
  const level = tf.hubLevels.find((l) => l.acr === acr);
  if (!level) {
    throw new GovbridgeError(
      'invalid_request',
      `Unknown acr value "${acr}": this hub offers ${tf.hubLevels.map((l) => l.acr).join(', ')}`,
    );
  }
  return level;
}

export function isSchemeId(id: string): id is SchemeId {
  return id === 'singpass' || id === 'onelogin';
}

/** A scheme's definition; `invalid_request` for a scheme the hub does not know (e.g. a bad `idp_hint`). */
export function schemeOf(tf: TrustFramework, id: string): SchemeDefinition {
  if (!isSchemeId(id)) {
    throw new GovbridgeError(
      'invalid_request',
      `Unknown identity scheme "${id}": this hub knows ${Object.keys(tf.schemes).join(', ')}`,
    );
  }
  return tf.schemes[id];
}

export interface CatalogueEntry {
  readonly description: string;
  readonly verifiable: boolean;
  readonly classification: Classification;
  /** Per scheme that can supply the claim: where it is read from and what the request must ask for. */
  readonly sources: Readonly<
    Partial<
      Record<
        SchemeId,
        {
          readonly source: string;
          readonly transform?: string;
          /** Read only when `source` gives nothing (Singpass: `sub_attributes` when Myinfo has none). */
          readonly fallback?: string;
          readonly scopes: readonly string[];
          readonly userinfoClaims: readonly string[];
        }
      >
    >
  >;
}

/** Claim name → what a consent page and client registration need to know about it. */
export function attributeCatalogue(tf: TrustFramework): Readonly<Record<string, CatalogueEntry>> {
  const out: Record<string, CatalogueEntry> = {};
  for (const [name, def] of Object.entries(tf.claims)) {
    const sources: Partial<Record<SchemeId, CatalogueEntry['sources'][SchemeId]>> = {};
    for (const id of ['singpass', 'onelogin'] as const) {
      const m = tf.schemes[id].claims[name];
      if (m) {
        sources[id] = {
          source: m.source,
          ...(m.transform === undefined ? {} : { transform: m.transform }),
          ...(m.fallback === undefined ? {} : { fallback: m.fallback.source }),
          scopes: m.scopes,
          userinfoClaims: m.userinfoClaims ?? [],
        };
      }
    }
    out[name] = Object.freeze({
      description: def.description,
      verifiable: def.verifiable,
      classification: def.classification,
      sources: Object.freeze(sources),
    });
  }
  return Object.freeze(out);
}

/** `invalid_request` for claim names outside the catalogue (catch them at client registration). */
export function checkAttributes(tf: TrustFramework, attributes: readonly string[]): void {
  const unknown = attributes.filter((a) => !Object.hasOwn(tf.claims, a));
  if (unknown.length > 0) {
    throw new GovbridgeError(
      'invalid_request',
      `Unknown attribute${unknown.length > 1 ? 's' : ''} ${unknown.map((a) => `"${a}"`).join(', ')}: the trust framework ${tf.version} offers ${Object.keys(tf.claims).join(', ')}`,
    );
  }
}
