/**
 * The consent module's domain events, published in process AFTER the change they describe is
 * committed. They carry the non-durable reactions of other modules (metrics, log lines, cache
 * eviction): anything that must be durable and consistent with the change is a `WithdrawalStep`
 * (consent-service.ts), run inside the change's own transaction, never a subscriber (ADR 20).
 *
 * Rules it enforces:
 * - an event is published only once its transaction has committed, and at most once per change;
 * - subscribers run in the order they subscribed; a subscriber that throws (or rejects) is reported
 *   to `onError` and neither undoes the change nor stops the subscribers after it;
 * - events carry ids, the service and attribute names, never a person's details.
 */

/** A citizen withdrew one of their consents; its grants, tokens and kept details are gone (committed). */
export interface ConsentWithdrawn {
  readonly type: 'consent.withdrawn';
  readonly consentId: string;
  readonly accountId: string;
  readonly clientId: string;
  readonly purpose: string;
  readonly attributes: readonly string[];
  readonly withdrawnAt: Date;
}

export type ConsentEvent = ConsentWithdrawn;
export type ConsentEventType = ConsentEvent['type'];
type EventOf<T extends ConsentEventType> = Extract<ConsentEvent, { type: T }>;

/** What a subscriber may do: anything not durable. Its result is awaited only to report a failure. */
export type ConsentEventHandler<T extends ConsentEventType> = (event: EventOf<T>) => unknown;

/** A subscriber failed: `subscriber` is the name it subscribed with. */
export type ConsentEventErrorHandler = (err: unknown, event: ConsentEvent, subscriber: string) => void;

interface Subscription {
  readonly name: string;
  readonly handler: (event: ConsentEvent) => unknown;
}

export class ConsentEvents {
  readonly #subscribers = new Map<ConsentEventType, Subscription[]>();
  /** Where a failing subscriber is reported (the composition root sets the hub's logger). */
  onError: ConsentEventErrorHandler;

  constructor(onError?: ConsentEventErrorHandler) {
    this.onError =
      onError ??
      ((err, event, subscriber) =>
        process.emitWarning(
          `consent event subscriber "${subscriber}" failed on ${event.type}: ${String(err)}`,
        ));
  }

  /** Subscribe to one type of event under a name (named in failure reports). Returns unsubscribe. */
  on<T extends ConsentEventType>(type: T, name: string, handler: ConsentEventHandler<T>): () => void {
    const subscription: Subscription = { name, handler: handler as (event: ConsentEvent) => unknown };
    const list = this.#subscribers.get(type) ?? [];
    this.#subscribers.set(type, [...list, subscription]);
    return () => {
      this.#subscribers.set(
        type,
        (this.#subscribers.get(type) ?? []).filter((s) => s !== subscription),
      );
    };
  }

  /** Run every subscriber of the event's type, in order. Never throws. */
  async publish(event: ConsentEvent): Promise<void> {
    for (const { name, handler } of this.#subscribers.get(event.type) ?? []) {
      try {
        await handler(event);
      } catch (err) {
        try {
          this.onError(err, event, name);
        } catch {
          // A broken error reporter must not turn a committed withdrawal into a failure.
        }
      }
    }
  }
}
