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

  /** Number of entries. */
  get entries(): number {
    return this.size;
  }

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

  /**
   * Makes room for `entries` entries at once. Needed before adding keys in another table's order
   * (a snapshot's): added into a table that keeps doubling, they cluster, and each probe walks
   * further (restoring 600,000 keys took 1.6 s instead of a few ms).
   */
  reserve(entries: number): void {
    let capacity = this.capacity;
    while ((this.size + entries) * 4 > capacity * 3) capacity *= 2;
    if (capacity !== this.capacity) this.rehash(capacity);
  }

  /** Records that `slot` holds an identity with `key` (non-zero). */
  add(key: number, slot: number): void {
    // Linear probing stays short up to three quarters full with a well-mixed key.
    if ((this.size + 1) * 4 > this.capacity * 3) this.rehash(this.capacity * 2);
    this.put(key, slot);
    this.size++;
  }

  /**
   * Forgets that `slot` holds an identity with `key` (its stream retired). Backward-shift
   * deletion: later entries of the probe run move up into the hole, so lookups never need
   * tombstones and the table does not fill with dead entries over months.
   */
  remove(key: number, slot: number): void {
    const { table } = this;
    const mask = this.capacity - 1;
    let i = key & mask;
    while (table[2 * i] !== 0 && !(table[2 * i] === key && table[2 * i + 1] === slot)) i = (i + 1) & mask;
    if (table[2 * i] === 0) return;
    this.size--;
    for (let j = (i + 1) & mask; table[2 * j] !== 0; j = (j + 1) & mask) {
      const home = table[2 * j]! & mask;
      // The entry at j may fill the hole at i only if its home is not cyclically in (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        table[2 * i] = table[2 * j]!;
        table[2 * i + 1] = table[2 * j + 1]!;
        i = j;
      }
    }
    table[2 * i] = 0;
    table[2 * i + 1] = 0;
  }

  /** A copy of the table, for a snapshot image (written while the table keeps changing). */
  toImage(): Int32Array {
    return this.table.slice();
  }

  /** Takes a table {@link toImage} gave. */
  restoreImage(table: Int32Array): void {
    this.table = new Int32Array(table);
    this.size = 0;
    for (let i = 0; i < table.length; i += 2) if (table[i] !== 0) this.size++;
  }

  /** Every entry's key (with repeats), in table order. */
  keys(): number[] {
    const found: number[] = [];
    for (let i = 0; i < this.table.length; i += 2) if (this.table[i] !== 0) found.push(this.table[i]!);
    return found;
  }

  /** Moves every entry to the slot `slotMap` gives it (a compacted log); -1 in the map drops it. */
  remap(slotMap: Int32Array): void {
    const old = this.table;
    this.table = new Int32Array(old.length);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === 0) continue;
      const slot = slotMap[old[i + 1]!]!;
      if (slot >= 0) {
        this.put(old[i]!, slot);
        this.size++;
      }
    }
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
