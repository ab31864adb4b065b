import type { Clock } from '../../kernel/index.ts';

/**
 * A small in-memory map whose entries expire. The simulator is a development and test tool that runs
 * inside one process, so its codes, tokens and replay records live here rather than in the database
 * (ARCHITECTURE.md's "nothing only in one process's memory" rule applies to the hub, not to this).
 */
export class ExpiringStore<T> {
  readonly #entries = new Map<string, { value: T; expiresAt: number }>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  set(key: string, value: T, ttlSeconds: number): void {
    this.#sweep();
    this.#entries.set(key, { value, expiresAt: this.#clock.epochSeconds() + ttlSeconds });
  }

  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock.epochSeconds()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  #sweep(): void {
    const now = this.#clock.epochSeconds();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
  }
}
