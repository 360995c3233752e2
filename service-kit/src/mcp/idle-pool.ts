/**
 * Idle items kept per caller, with one bound across all callers. Both MCP legs keep built servers
 * this way (building one costs more than answering a call), and both must never hand an item of one
 * caller to another, nor one item to two requests at once.
 */
export class IdlePool<T> {
  private readonly idle = new Map<string, T[]>();
  private count = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** An idle item of `key`, now taken out of the pool. */
  take(key: string): T | undefined {
    const list = this.idle.get(key);
    const item = list?.pop();
    if (item === undefined) return undefined;
    this.count--;
    if (list?.length === 0) this.idle.delete(key);
    return item;
  }

  /** Keeps `item` for `key`; false when the pool is full or already holds it (the caller drops it). */
  put(key: string, item: T): boolean {
    const list = this.idle.get(key) ?? [];
    if (this.count >= this.max || list.includes(item)) return false;
    list.push(item);
    this.idle.set(key, list);
    this.count++;
    return true;
  }

  /** Empties the pool and returns what it held. */
  drain(): T[] {
    const items = [...this.idle.values()].flat();
    this.idle.clear();
    this.count = 0;
    return items;
  }
}
