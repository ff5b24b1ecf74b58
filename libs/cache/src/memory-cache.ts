import { Cache } from './cache';

/** The same versioned cache in a Map, for specs. */
export class MemoryCache extends Cache {
  readonly entries = new Map<string, { v: string; d: unknown }>();
  readonly versions = new Map<string, number>();

  async read<T>(namespace: string, id: string): Promise<{ value: T | undefined; version: string }> {
    const key = `${namespace}:${id}`;
    const version = String(this.versions.get(key) ?? 0);
    const stored = this.entries.get(key);
    return { value: stored && stored.v === version ? (stored.d as T) : undefined, version };
  }

  async write(namespace: string, id: string, version: string, value: unknown): Promise<void> {
    // A deep copy, as JSON through Redis would make it: a caller mutating its result cannot change the entry.
    this.entries.set(`${namespace}:${id}`, { v: version, d: JSON.parse(JSON.stringify(value)) });
  }

  async invalidate(namespace: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const key = `${namespace}:${id}`;
      this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
      this.entries.delete(key);
    }
  }
}
