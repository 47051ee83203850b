/**
 * Dedupe index: identity -> log slot of the accepted event that holds it. One entry per accepted
 * event for the whole day, so it is an open-addressing table in one Int32Array (8 bytes per entry
 * of the table: the key and its slot side by side, so a probe touches one cache line) keyed by the
 * identity's 32-bit hash ({@link identityKeyOf}), rather than a Map of strings (about 100 bytes
 * per entry). Equal keys are confirmed by the caller against the stored event (a decode, paid
 * only on a key match: re-deliveries and rare collisions).
 */

export class IdentityIndex {
  /** `[key, slot]` pairs; key 0 marks an empty entry. */
  private table = new Int32Array(2 << 12);
  private size = 0;

  /** Number of entries the table has room for. */
  private get capacity(): number {
    return this.table.length >>> 1;
  }

  /**
   * The next entry with `key` after entry `after` (-1: the first), or -1: the caller walks a key's
   * candidate slots with {@link slotAt} until one is confirmed (no callback to allocate per call).
   */
  next(key: number, after = -1): number {
    const { table } = this;
    const mask = this.capacity - 1;
    for (let i = after < 0 ? key & mask : (after + 1) & mask; table[2 * i] !== 0; i = (i + 1) & mask) {
      if (table[2 * i] === key) return i;
    }
    return -1;
  }

  /** The slot recorded in entry `entry` (from {@link next}). */
  slotAt(entry: number): number {
    return this.table[2 * entry + 1]!;
  }

  /** Records that `slot` holds an identity with `key` (non-zero). */
  add(key: number, slot: number): void {
    // Linear probing stays short up to three quarters full with a well-mixed key.
    if ((this.size + 1) * 4 > this.capacity * 3) this.rehash(this.capacity * 2);
    this.put(key, slot);
    this.size++;
  }

  private put(key: number, slot: number): void {
    const { table } = this;
    const mask = this.capacity - 1;
    let i = key & mask;
    while (table[2 * i] !== 0) i = (i + 1) & mask;
    table[2 * i] = key;
    table[2 * i + 1] = slot;
  }

  private rehash(capacity: number): void {
    const old = this.table;
    this.table = new Int32Array(2 * capacity);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.put(old[i]!, old[i + 1]!);
  }
}
