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

  it('property: adds, removals (backward-shift), reservations and remaps agree with a plain multimap', () => {
    const key = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }).map((k) => k * 8192), fc.integer({ min: 1, max: 2 ** 31 - 1 }));
    const op = fc.oneof(
      { weight: 6, arbitrary: key.map((k) => ({ kind: 'add' as const, key: k })) },
      { weight: 4, arbitrary: fc.nat().map((i) => ({ kind: 'remove' as const, pick: i })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 5000 }).map((n) => ({ kind: 'reserve' as const, n })) },
      { weight: 1, arbitrary: fc.constant({ kind: 'remap' as const }) },
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
      const index = new IdentityIndex();
      let model: [key: number, slot: number][] = [];
      let nextSlot = 0;
      for (const o of ops) {
        if (o.kind === 'add') {
          index.add(o.key, nextSlot);
          model.push([o.key, nextSlot++]);
        } else if (o.kind === 'remove' && model.length > 0) {
          const [k, slot] = model.splice(o.pick % model.length, 1)[0]!;
          index.remove(k, slot);
        } else if (o.kind === 'reserve') {
          index.reserve(o.n);
        } else if (o.kind === 'remap') {
          // A compaction: every other slot dropped, the rest renumbered in order.
          const slotMap = new Int32Array(nextSlot).fill(-1);
          let kept = 0;
          for (let slot = 0; slot < nextSlot; slot += 2) slotMap[slot] = kept++;
          index.remap(slotMap);
          model = model.filter(([, slot]) => slotMap[slot]! >= 0).map(([k, slot]) => [k, slotMap[slot]!]);
          nextSlot = kept;
        }
      }
      const byKey = new Map<number, number[]>();
      for (const [k, slot] of model) byKey.set(k, [...(byKey.get(k) ?? []), slot]);
      for (const [k, slots] of byKey) expect(slotsOf(index, k).sort((a, b) => a - b)).toEqual(slots.sort((a, b) => a - b));
      expect(index.entries).toBe(model.length);
      expect(index.keys().length).toBe(model.length);
    }), { numRuns: 60 });
  });
});
