/**
 * Dedupe index: identity -> log slot of the accepted event that holds it. One entry per accepted
 * event for the whole day, so it is an open-addressing table of two Int32Arrays (8 bytes per slot
 * of the table) keyed by the identity's 32-bit hash ({@link identityKeyOf}), rather than a Map of
 * strings (about 100 bytes per entry). Equal keys are confirmed by the caller against the stored
 * event (a decode, paid only on a key match: re-deliveries and rare collisions).
 */

export class IdentityIndex {
  private keys = new Int32Array(1 << 12);
  private slots = new Int32Array(1 << 12);
  private size = 0;

  /**
   * The next entry with `key` after entry `after` (-1: the first), or -1: the caller walks a key's
   * candidate slots with {@link slotAt} until one is confirmed (no callback to allocate per call).
   */
  next(key: number, after = -1): number {
    const mask = this.keys.length - 1;
    for (let i = after < 0 ? key & mask : (after + 1) & mask; this.keys[i] !== 0; i = (i + 1) & mask) {
      if (this.keys[i] === key) return i;
    }
    return -1;
  }

  /** The slot recorded in entry `entry` (from {@link next}). */
  slotAt(entry: number): number {
    return this.slots[entry]!;
  }

  /** Records that `slot` holds an identity with `key` (non-zero). */
  add(key: number, slot: number): void {
    // Linear probing stays short up to three quarters full with a well-mixed key.
    if ((this.size + 1) * 4 > this.keys.length * 3) this.rehash(this.keys.length * 2);
    this.put(key, slot);
    this.size++;
  }

  private put(key: number, slot: number): void {
    const mask = this.keys.length - 1;
    let i = key & mask;
    while (this.keys[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = key;
    this.slots[i] = slot;
  }

  private rehash(capacity: number): void {
    const { keys, slots } = this;
    this.keys = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.put(keys[i]!, slots[i]!);
  }
}
