/**
 * A bounded memory of computed values: two generations of at most `size` entries each. When the
 * current one is full it becomes the previous one and the oldest is let go, so memory stays
 * bounded however long an export runs, while what is used again (the client every resource of a
 * record names) moves forward and stays.
 */
export class Memo<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();

  constructor(private readonly size: number) {}

  get(key: string): V | undefined {
    const found = this.current.get(key);
    if (found !== undefined) return found;
    const old = this.previous.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): V {
    if (this.current.size >= this.size) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
    return value;
  }
}
