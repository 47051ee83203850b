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

  /** The slot whose event has `key` and satisfies `holds`, or -1. */
  find(key: number, holds: (slot: number) => boolean): number {
    const mask = this.keys.length - 1;
    for (let i = key & mask; this.keys[i] !== 0; i = (i + 1) & mask) {
      if (this.keys[i] === key && holds(this.slots[i]!)) return this.slots[i]!;
    }
    return -1;
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
