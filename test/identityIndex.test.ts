/** The dedupe table: every slot added under a key is found by walking that key's entries, and only those. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdentityIndex } from '../src/tracker/identityIndex.js';

/** Walks every entry of `key`, as the tracker does when it confirms a candidate. */
function slotsOf(index: IdentityIndex, key: number): number[] {
  const slots: number[] = [];
  for (let entry = index.next(key); entry >= 0; entry = index.next(key, entry)) slots.push(index.slotAt(entry));
  return slots;
}

describe('IdentityIndex', () => {
  it('finds exactly the slots added under each key, through growth and colliding keys', () => {
    // Few distinct keys, some equal modulo the table size: long probe runs and rehashes.
    const key = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }).map((k) => k * 8192), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).filter((k) => k !== 0));
    const keyLists = fc.integer({ min: 0, max: 10_000 }).chain((n) => fc.array(key, { minLength: n, maxLength: n }));
    fc.assert(fc.property(keyLists, (keys) => {
      const index = new IdentityIndex();
      const expected = new Map<number, number[]>();
      keys.forEach((k, slot) => {
        index.add(k, slot);
        expected.set(k, [...(expected.get(k) ?? []), slot]);
      });
      for (const [k, slots] of expected) expect(slotsOf(index, k).sort((a, b) => a - b)).toEqual(slots);
      if (!expected.has(45)) expect(slotsOf(index, 45)).toEqual([]);
    }), { numRuns: 30 });
  });
});
