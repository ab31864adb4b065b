import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { GovbridgeError } from '../kernel/index.ts';
import {
  type EnvironmentRegistry,
  environmentOf,
  type HostingEnvironment,
  type TrustFramework,
} from '../trust/index.ts';
import {
  type AttributeFacts,
  attributeEntity,
  classifiedAttributes,
  RELEASE_ACTION,
  recipientEntity,
} from './cedar-entities.ts';
import { fillReason } from './reasons.ts';
import {
  type AttributeDecision,
  EVALUATION_ERROR,
  LEGAL_BASES,
  NO_PERMITTING_POLICY,
  type PolicyInfo,
  type ReleaseRequest,
} from './types.ts';

export interface PolicyEngineParts {
  policies: readonly PolicyInfo[];
  staticPolicies: Record<string, string>;
  schemaText: string;
  trust: TrustFramework;
  environments: EnvironmentRegistry;
  memoize: boolean;
  /** No policy tells attributes with the same labels apart (`readsResourceIdentity`). */
  byClassification: boolean;
}

/** What Cedar said for one request, before reasons are written for a particular attribute. */
interface Outcome {
  readonly decision: 'allow' | 'deny';
  readonly policies: readonly string[];
  readonly error: boolean;
}

/** Decisions kept per engine; a login has a handful of distinct requests, so this is never reached in practice. */
const MAX_MEMO = 10_000;
let instances = 0;

/**
 * The release policy, loaded and pre-parsed (`loadPolicyEngine`). `decideRelease` asks Cedar once per
 * attribute — principal the recipient with its hosting environment, action `release`, resource the
 * attribute with both native labels — and returns each decision with the deciding policy ids and a
 * reason for the citizen.
 *
 * A decision is a pure function of the request (recipient, environment, attribute, context) and the
 * policies, which are fixed for the engine's life, so decisions are memoised: a login's attributes
 * are usually decided from memory in microseconds; a new combination costs one Cedar call each.
 * A policy that fails to evaluate never lets an attribute through (Cedar skips an erroring forbid).
 */
/** What each decision reports for metrics (filled by the composition root): ids, never values. */
export interface PolicyObserver {
  decided(policy: string, effect: 'allow' | 'deny', recipientKind: string): void;
  withheld(attribute: string, recipientKind: string): void;
}

export class PolicyEngine {
  readonly policies: readonly PolicyInfo[];
  #observer: PolicyObserver | undefined;
  readonly environments: EnvironmentRegistry;
  readonly #attributes: ReadonlyMap<
    string,
    { facts: AttributeFacts; entity: ReturnType<typeof attributeEntity>; classKey: string }
  >;
  readonly #byId: ReadonlyMap<string, PolicyInfo>;
  readonly #order: ReadonlyMap<string, number>;
  readonly #setId: string;
  readonly #schemaName: string;
  readonly #memo = new Map<string, AttributeDecision>();
  /** Cedar outcomes per request prefix × classification (or × attribute, if a policy needs it). */
  readonly #outcomes = new Map<string, Outcome>();
  readonly #memoize: boolean;

  constructor(parts: PolicyEngineParts) {
    this.policies = Object.freeze([...parts.policies]);
    this.environments = parts.environments;
    this.#memoize = parts.memoize;
    this.#byId = new Map(parts.policies.map((p) => [p.id, p]));
    this.#order = new Map(parts.policies.map((p, i) => [p.id, i]));
    this.#attributes = new Map(
      [...classifiedAttributes(parts.trust)].map(([name, facts]) => [
        name,
        {
          facts,
          entity: attributeEntity(name, facts),
          classKey: parts.byClassification ? `class:${JSON.stringify(facts)}` : `name:${name}`,
        },
      ]),
    );
    // Cedar keeps pre-parsed sets in module-wide storage by name: one name per engine.
    instances += 1;
    this.#setId = `govbridge-release-${instances}`;
    this.#schemaName = `govbridge-schema-${instances}`;
    const schema = cedar.preparseSchema(this.#schemaName, parts.schemaText);
    const set = cedar.preparsePolicySet(this.#setId, { staticPolicies: parts.staticPolicies });
    if (schema.type === 'failure' || set.type === 'failure') {
      const errors = [
        ...(schema.type === 'failure' ? schema.errors : []),
        ...(set.type === 'failure' ? set.errors : []),
      ];
      throw new GovbridgeError(
        'policy_invalid',
        `Release policy cannot be pre-parsed: ${errors.map((e) => e.message).join('; ')}`,
        { expose: false },
      );
    }
  }

  /** Attribute names the engine can decide on. */
  get attributes(): readonly string[] {
    return [...this.#attributes.keys()];
  }

  /** The recipient's hosting environment; `environment_unknown` when it has none or an unknown one. */
  environmentOf(id: string | null | undefined): HostingEnvironment {
    return environmentOf(this.environments, id);
  }

  /** Report every decision from now on (metrics). */
  observe(observer: PolicyObserver): void {
    this.#observer = observer;
  }

  decideRelease(request: ReleaseRequest): AttributeDecision[] {
    const decisions = this.#decideRelease(request);
    const observer = this.#observer;
    if (observer) {
      const kind = request.recipient.kind;
      for (const d of decisions) {
        for (const policy of d.policies) observer.decided(policy, d.decision, kind);
        if (d.decision === 'deny') observer.withheld(d.attribute, kind);
      }
    }
    return decisions;
  }

  #decideRelease(request: ReleaseRequest): AttributeDecision[] {
    const { recipient, context } = request;
    const env = environmentOf(this.environments, recipient.environment);
    if (!(LEGAL_BASES as readonly string[]).includes(context.legalBasis)) {
      throw new GovbridgeError(
        'bad_request',
        `Unknown legal basis "${context.legalBasis}": expected one of ${LEGAL_BASES.join(', ')}`,
      );
    }
    const unknown = request.attributes.filter((a) => !this.#attributes.has(a));
    if (unknown.length > 0) {
      throw new GovbridgeError(
        'bad_request',
        `Unknown attribute${unknown.length > 1 ? 's' : ''} ${unknown.map((a) => `"${a}"`).join(', ')}: the policy decides on ${this.attributes.join(', ')}`,
      );
    }
    const prefix = [
      recipient.kind,
      recipient.id,
      recipient.name ?? '',
      recipient.country,
      env.id,
      context.purpose,
      context.consentGiven ? 1 : 0,
      context.crossBorder ? 1 : 0,
      context.legalBasis,
      '',
    ].join('\u0000');
    let principal: ReturnType<typeof recipientEntity> | undefined;
    return request.attributes.map((attribute) => {
      const key = prefix + attribute;
      const known = this.#memoize ? this.#memo.get(key) : undefined;
      if (known) return known;
      const a = this.#attributes.get(attribute)!;
      // Attributes with the same labels share Cedar's outcome when no policy tells them apart.
      const outcomeKey = prefix + a.classKey;
      let outcome = this.#memoize ? this.#outcomes.get(outcomeKey) : undefined;
      if (!outcome) {
        principal ??= recipientEntity(recipient, env);
        outcome = this.#evaluate(attribute, principal, request);
        if (this.#memoize) remember(this.#outcomes, outcomeKey, outcome);
      }
      const decision = this.#explain(attribute, a.facts, outcome, env, request);
      if (this.#memoize) remember(this.#memo, key, decision);
      return decision;
    });
  }

  /** One Cedar request: this attribute released to this recipient in this context. */
  #evaluate(
    attribute: string,
    principal: ReturnType<typeof recipientEntity>,
    request: ReleaseRequest,
  ): Outcome {
    const a = this.#attributes.get(attribute)!;
    const answer = cedar.statefulIsAuthorized({
      principal: principal.uid,
      action: RELEASE_ACTION,
      resource: a.entity.uid,
      context: { ...request.context },
      preparsedSchemaName: this.#schemaName,
      validateRequest: true,
      preparsedPolicySetId: this.#setId,
      entities: [principal, a.entity],
    });
    if (answer.type === 'failure') {
      throw new GovbridgeError(
        'server_error',
        `The release policy could not evaluate ${attribute}: ${answer.errors.map((e) => e.message).join('; ')}`,
        { expose: false },
      );
    }
    const { decision, diagnostics } = answer.response;
    // Cedar skips a policy that fails to evaluate — for a forbid that would let the attribute
    // through. Fail closed instead.
    if (diagnostics.errors.length > 0) {
      return {
        decision: 'deny',
        policies: [EVALUATION_ERROR, ...diagnostics.errors.map((e) => e.policyId)],
        error: true,
      };
    }
    const ids = [...diagnostics.reason].sort((x, y) => (this.#order.get(x) ?? 0) - (this.#order.get(y) ?? 0));
    if (ids.length === 0) return { decision: 'deny', policies: [NO_PERMITTING_POLICY], error: false };
    return { decision, policies: ids, error: false };
  }

  /** The decision for one attribute, with the deciding policies' reasons written for it. */
  #explain(
    attribute: string,
    facts: AttributeFacts,
    outcome: Outcome,
    env: HostingEnvironment,
    request: ReleaseRequest,
  ): AttributeDecision {
    const fill = (template: string) =>
      fillReason(template, {
        recipient: request.recipient,
        environment: env,
        attribute,
        facts,
        context: request.context,
      });
    let reason: string;
    if (outcome.error)
      reason = 'The hub could not check that this detail may be shared, so it is not shared.';
    else if (outcome.policies[0] === NO_PERMITTING_POLICY)
      reason = fill('No rule allows {recipient} to receive this detail.');
    else reason = outcome.policies.map((id) => fill(this.#byId.get(id)?.reason ?? id)).join(' ');
    return Object.freeze({
      attribute,
      decision: outcome.decision,
      policies: Object.freeze([...outcome.policies]),
      reason,
    });
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_MEMO) map.clear();
  map.set(key, value);
}
