import type { JWK } from 'jose';
import type { Db } from '../../storage/index.ts';

/** The life events the hub notifies agencies of (the CloudEvents `type` is `uk.gov.govbridge.<type>.v1`). */
export type NotificationEventType = 'death' | 'birth' | 'moving-abroad';

export const NOTIFICATION_EVENT_TYPES: readonly NotificationEventType[] = ['death', 'birth', 'moving-abroad'];

/** Every attribute an event can carry; an agency subscribes to a subset of them. */
export const EVENT_ATTRIBUTES: Readonly<Record<NotificationEventType, readonly string[]>> = {
  death: [
    'deceased_name',
    'deceased_birthdate',
    'date_of_death',
    'place_of_death',
    'deceased_address',
    'informant_name',
    'informant_relationship',
    'informant_email',
  ],
  birth: ['child_name', 'child_birthdate', 'place_of_birth', 'parent_name', 'parent_address'],
  'moving-abroad': [
    'name',
    'birthdate',
    'nationalities',
    'date_of_move',
    'from_country',
    'to_country',
    'previous_address',
    'new_address',
    'email',
  ],
};

export interface AgencySubscription {
  readonly eventType: NotificationEventType;
  /** Only the attributes this agency needs for this event (data minimisation). */
  readonly attributes: readonly string[];
}

/**
 * What the hub's agency registry needs to know about one (demo) agency to notify it: where to send,
 * the key to encrypt to, and what it is entitled to.
 */
export interface AgencyRegistration {
  /** `[a-z0-9_]{2,32}` */
  readonly agencyId: string;
  readonly name: string;
  readonly country: 'GB' | 'SG';
  readonly website: string;
  /** An environment id from the hub's registry (`uk-public-cloud`, `uk-accredited`, `sg-gcc`). */
  readonly environment: string;
  /** `${publicUrl}/demo/agencies/<id>/notifications` */
  readonly endpoint: string;
  /** Public EC P-256 key with `use: enc`, `alg: ECDH-ES+A256KW` and `kid` (its RFC 7638 thumbprint). */
  readonly encryptionJwk: JWK;
  readonly subscriptions: readonly AgencySubscription[];
}

/** One demo agency, as data (`definitions.ts`). */
export interface AgencyDefinition {
  readonly agencyId: string;
  readonly name: string;
  /** The public website of the real organisation the demo stands in for (https). */
  readonly website: string;
  /** What the agency does, in a sentence, for the list page. */
  readonly description: string;
  readonly country: 'GB' | 'SG';
  readonly environment: string;
  readonly subscriptions: readonly AgencySubscription[];
}

export interface DemoAgenciesOptions {
  /** The public URL the agencies are reached at (usually the hub's own); endpoints are built from it. */
  readonly publicUrl: string;
  /**
   * The hub's notification signing keys, `<hub public URL>/notifications/jwks.json`. The expected
   * CloudEvents `source` (`<hub public URL>/notifications`) is worked out from it.
   */
  readonly hubJwksUrl: string;
  /** At least 32 characters, the same in every hub process: each agency's keys are derived from it. */
  readonly secret: string;
  /** Fetch used for the hub's JWKS; defaults to the global one. */
  readonly fetch?: typeof fetch;
  /** The hub's database: the agencies' inbox (`demo_agency_inbox`) lives there. */
  readonly db: Db;
}
