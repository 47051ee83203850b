/** The copy-on-append lists of folded state: a new list with the item at the end, the old one untouched. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appended } from '../src/fold/appended.js';

describe('appended', () => {
  it('is the list with the item added at the end, and leaves the list as it was (property)', () => {
    fc.assert(fc.property(fc.array(fc.anything(), { maxLength: 6 }), fc.anything(), (list, item) => {
      const before = [...list];
      const after = appended(Object.freeze(list), item);
      expect(after).toEqual([...before, item]);
      expect(after).toHaveLength(before.length + 1);
      expect(list).toEqual(before);
      expect(after).not.toBe(list);
    }));
  });
});
