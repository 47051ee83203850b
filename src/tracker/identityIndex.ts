/**
 * Dedupe index: identity -> log slot of the accepted event that holds it. One entry per accepted
 * event for the whole day, so it is an open-addressing table of two Int32Arrays (8 bytes per slot
 * of the table) keyed by a 32-bit hash of the identity, rather than a Map of strings (about 100
 * bytes per entry). Equal hashes are confirmed against the stored event's own identity, which the
 * caller provides (a decode, paid only on a hash match: re-deliveries and rare collisions).
 */

/** FNV-1a over UTF-16 code units; never 0 (0 marks an empty table slot). */
function hashOf(identity: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < identity.length; i++) hash = Math.imul(hash ^ identity.charCodeAt(i), 0x01000193);
  return hash === 0 ? 1 : hash;
}

export class IdentityIndex {
  private hashes = new Int32Array(1 << 12);
  private slots = new Int32Array(1 << 12);
  private size = 0;

  /** The slot holding `identity`, or -1. `identityAt(slot)` gives a candidate's own identity. */
  get(identity: string, identityAt: (slot: number) => string | null): number {
    const hash = hashOf(identity);
    const mask = this.hashes.length - 1;
    for (let i = hash & mask; this.hashes[i] !== 0; i = (i + 1) & mask) {
      if (this.hashes[i] === hash && identityAt(this.slots[i]!) === identity) return this.slots[i]!;
    }
    return -1;
  }

  /** Records that `slot` holds `identity` (which it does not hold yet). */
  set(identity: string, slot: number): void {
    if ((this.size + 1) * 2 > this.hashes.length) this.rehash(this.hashes.length * 2);
    this.put(hashOf(identity), slot);
    this.size++;
  }

  private put(hash: number, slot: number): void {
    const mask = this.hashes.length - 1;
    let i = hash & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    this.hashes[i] = hash;
    this.slots[i] = slot;
  }

  private rehash(capacity: number): void {
    const { hashes, slots } = this;
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== 0) this.put(hashes[i]!, slots[i]!);
  }
}
