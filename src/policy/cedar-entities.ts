import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import {
  type Classification,
  type HostingEnvironment,
  SG_CLASSIFICATION_LEVEL,
  SG_SENSITIVITY_RANK,
  type TrustFramework,
  UK_MARKING_LEVEL,
} from '../trust/index.ts';
import type { Recipient } from './types.ts';

/**
 * How the hub's data becomes Cedar entities (policies/schema.cedarschema). Only the two entities a
 * request needs are passed (entity parsing dominates Cedar's cost); attributes are built once at load.
 */
export const NAMESPACE = 'Govbridge';
export const RECIPIENT_TYPE = `${NAMESPACE}::Recipient`;
export const ATTRIBUTE_TYPE = `${NAMESPACE}::Attribute`;
export const RELEASE_ACTION = { type: `${NAMESPACE}::Action`, id: 'release' } as const;

/** An attribute's labels and their positions, as the Cedar `Attribute` entity carries them. */
export interface AttributeFacts {
  readonly rank: number;
  readonly ukMarking: string;
  readonly ukDescriptor: string;
  readonly ukLevel: number;
  readonly sgClassification: string;
  readonly sgLevel: number;
  readonly sgSensitivity: string;
  readonly sensitivityLevel: number;
}

export function attributeFacts(c: Classification): AttributeFacts {
  return {
    rank: c.rank,
    ukMarking: c.uk.marking,
    ukDescriptor: c.uk.descriptor ?? '',
    ukLevel: UK_MARKING_LEVEL[c.uk.marking]!,
    sgClassification: c.sg.classification,
    sgLevel: SG_CLASSIFICATION_LEVEL[c.sg.classification]!,
    sgSensitivity: c.sg.sensitivity,
    sensitivityLevel: SG_SENSITIVITY_RANK[c.sg.sensitivity]!,
  };
}

/**
 * Every attribute the policy can be asked about: the common claims by name, and each life-event
 * payload field as `<eventType>.<field>` (when the trust framework declares events).
 */
export function classifiedAttributes(tf: TrustFramework): ReadonlyMap<string, AttributeFacts> {
  const out = new Map<string, AttributeFacts>();
  for (const [name, def] of Object.entries(tf.claims)) out.set(name, attributeFacts(def.classification));
  const events = (
    tf as {
      readonly events?: Readonly<
        Record<
          string,
          { readonly fields: Readonly<Record<string, { readonly classification: Classification }>> }
        >
      >;
    }
  ).events;
  for (const [eventType, event] of Object.entries(events ?? {})) {
    for (const [field, f] of Object.entries(event.fields))
      out.set(`${eventType}.${field}`, attributeFacts(f.classification));
  }
  return out;
}

export function attributeEntity(name: string, facts: AttributeFacts): EntityJson {
  return { uid: { type: ATTRIBUTE_TYPE, id: name }, attrs: { ...facts }, parents: [] };
}

export function recipientEntity(r: Recipient, env: HostingEnvironment): EntityJson {
  return {
    uid: { type: RECIPIENT_TYPE, id: `${r.kind}:${r.id}` },
    attrs: {
      kind: r.kind,
      country: r.country,
      environment: env.id,
      environmentJurisdiction: env.jurisdiction,
      environmentUkMaxLevel: env.uk.level,
      environmentSgMaxLevel: env.sg.level,
      environmentMaxRank: env.maxRank,
      environmentSegregated: env.segregated,
    },
    parents: [],
  };
}
