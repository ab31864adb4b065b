import type { Clock } from '../../kernel/index.ts';

/**
 * A small in-memory map whose entries expire. The simulator is a development tool that runs in one
 * process, so its single-use artefacts (request URIs, codes, DPoP `jti`s) live here; the hub's own
 * state never does.
 */
export interface ExpiringStore<T> {
  set(key: string, value: T, ttlSeconds: number): void;
  /** The value, or undefined when absent or expired; the entry stays. */
  peek(key: string): T | undefined;
  /** The value, removed so that it can be used only once. */
  take(key: string): T | undefined;
  delete(key: string): void;
}

export function createExpiringStore<T>(clock: Clock): ExpiringStore<T> {
  const entries = new Map<string, { value: T; expiresAt: number }>();
  const live = (key: string): { value: T; expiresAt: number } | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= clock.now().getTime()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const sweep = (): void => {
    const now = clock.now().getTime();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  };
  return {
    set(key, value, ttlSeconds) {
      if (entries.size > 10_000) sweep();
      entries.set(key, { value, expiresAt: clock.now().getTime() + ttlSeconds * 1000 });
    },
    peek: (key) => live(key)?.value,
    take(key) {
      const entry = live(key);
      entries.delete(key);
      return entry?.value;
    },
    delete: (key) => {
      entries.delete(key);
    },
  };
}
