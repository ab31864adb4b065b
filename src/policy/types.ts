/**
 * The vocabulary of release decisions. A request is one recipient, the attributes it would receive,
 * and the circumstances of the release; a decision is per attribute, with the ids of the policies
 * that decided it and a plain-English reason for the citizen.
 */

/** The legal bases a release may rest on (docs/policy.md). `none`: no basis is claimed. */
export const LEGAL_BASES = ['consent', 'uk-gdpr-art6-1e', 'sg-agency-authorisation', 'none'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export interface Recipient {
  /** A relying-party service (OpenID client) or an agency told of a life event. */
  readonly kind: 'service' | 'agency';
  /** Client id or agency id: names the Cedar principal. */
  readonly id: string;
  /** How the citizen knows it (the reasons name it); the id when absent. */
  readonly name?: string;
  /** The country whose government runs it. */
  readonly country: 'GB' | 'SG';
  /** Its hosting environment id (trust/environments.yaml). Missing or unknown: `environment_unknown`. */
  readonly environment: string | null | undefined;
}

export interface ReleaseContext {
  /** The purpose stated to the citizen; an empty one is forbidden (`purpose-required`). */
  readonly purpose: string;
  /** The citizen agreed to this release (sign-in: nothing is released before they agree). */
  readonly consentGiven: boolean;
  /** The data leaves the country it comes from. */
  readonly crossBorder: boolean;
  readonly legalBasis: LegalBasis;
}

export interface ReleaseRequest {
  readonly recipient: Recipient;
  /** Common claim names, or life-event payload fields as `<eventType>.<field>`. */
  readonly attributes: readonly string[];
  readonly context: ReleaseContext;
}

export interface AttributeDecision {
  readonly attribute: string;
  readonly decision: 'allow' | 'deny';
  /**
   * Ids of the deciding policies, in policy order: the permits for an allow, the forbids for a deny.
   * `no-permitting-policy` when no policy applied (default deny); `evaluation-error` when a policy
   * failed to evaluate (fail closed).
   */
  readonly policies: readonly string[];
  /** Plain English for the citizen: why it is released or withheld. */
  readonly reason: string;
}

/** A loaded policy: where it came from and what it says. */
export interface PolicyInfo {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  readonly file: string;
  readonly line: number;
  /** The @reason template, with {placeholders}. */
  readonly reason: string;
  readonly text: string;
}

/** Ids the engine reports when no loaded policy decided. */
export const NO_PERMITTING_POLICY = 'no-permitting-policy';
export const EVALUATION_ERROR = 'evaluation-error';
