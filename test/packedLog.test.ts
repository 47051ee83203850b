/** The packed in-memory log, its payload codec, and trackers folding logs they did not write. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemoryStore, createTracker, parseWebhook, type StoreRecord } from 'mluvii-state';
import { createPackedLog } from '../src/store/packedLog.js';
import { ByteReader, ByteWriter, WordList } from '../src/store/eventCodec.js';
import { parseTimestampUs } from '../src/catalogue/timestamp.js';
import { loadFixtures } from './support/fixtures.js';
import { timestampText } from './support/arbitraries.js';

/** JSON values as JSON.parse makes them, "__proto__" keys, lone surrogates and -0 included. */
const jsonValue = fc.jsonValue({ depthSize: 'small' });
const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'sessionId', 'time', 'text'));
const jsonObject = fc.dictionary(key, jsonValue, { maxKeys: 30, noNullPrototype: true });
// Any UTF-16, unpaired surrogates too; short and long (texts of 16 units or more that are well
// formed take the native UTF-8 writer, the others the codec's own loop).
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', minLength: 14, maxLength: 80 }), fc.string({ unit: 'grapheme', minLength: 14, maxLength: 80 }));

function roundTrip(value: Record<string, unknown>, keys: readonly string[], words?: WordList, timeKey: string | null = null, timeUs = 0): Record<string, unknown> {
  // A small first capacity: texts written as words or timestamps grow the buffer too.
  const writer = new ByteWriter(8, words);
  writer.byte(0xaa); // a record does not start at offset 0
  writer.object(value, keys, timeKey, timeUs);
  const reader = new ByteReader(writer.bytes, 1, words);
  const back = reader.object(keys);
  expect(reader.at).toBe(writer.length);
  return back;
}

describe('payload codec', () => {
  it('round-trips any JSON object exactly, key order included, with or without a key dictionary', () => {
    fc.assert(fc.property(jsonObject, fc.array(key, { maxLength: 8 }), (value, keys) => {
      // JSON text compares values, key order and "__proto__" / "constructor" keys as plain keys
      // (-0 has its own test).
      expect(JSON.stringify(roundTrip(value, keys))).toBe(JSON.stringify(value));
    }), { numRuns: 500 });
  });

  it('round-trips any string, unpaired surrogates included', () => {
    fc.assert(fc.property(text, (s) => {
      const value = { s, [s]: s };
      expect(JSON.stringify(roundTrip(value, ['s']))).toBe(JSON.stringify(value));
    }), { numRuns: 500 });
  });

  it('round-trips string values written as words of a shared list and the payload\'s own timestamp, exactly, and shorter', () => {
    const words = new WordList(['Chat', 'Default', 'ChatMessage', '', 'GuestLeft']);
    const value = fc.oneof(fc.constantFrom(...words.words, 'Chatx', 'chat'), timestampText, jsonValue);
    fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 12, noNullPrototype: true }), fc.option(timestampText, { nil: undefined }), (object, time) => {
      // The timestamp goes under key "time", as the event's own time field, with what it parses to.
      const payload = time === undefined ? object : { ...object, time };
      const us = time === undefined ? 0 : parseTimestampUs(time)!;
      const back = roundTrip(payload, ['time'], words, time === undefined ? null : 'time', us);
      expect(JSON.stringify(back)).toBe(JSON.stringify(payload));
    }), { numRuns: 500 });
    const payload = { channel: 'Chat', source: 'Default', time: '2024-05-06T08:00:03.925210+02:00' };
    const plain = new ByteWriter();
    plain.object(payload, []);
    const packed = new ByteWriter(8, words);
    packed.object(payload, [], 'time', parseTimestampUs(payload.time)!);
    // Texts: a length byte and their UTF-8; a word: its index; the timestamp: 8 + 2 bytes.
    expect(packed.length).toBe(plain.length - (1 + 4) - (1 + 7) - (1 + 32) + 1 + 1 + 10);
  });

  it('keeps objects of any size (entry counts beyond two varint bytes), nested too', () => {
    const wide = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i % 3 === 0 ? null : i]));
    const value = { before: 1, wide, after: { wide } };
    expect(JSON.stringify(roundTrip(value, ['before']))).toBe(JSON.stringify(value));
  });

  it('keeps numbers exactly: -0, fractions, huge and unsafe integers', () => {
    const numbers = { a: -0, b: 0.1, c: -7, d: 2 ** 53 - 1, e: 2 ** 53 + 2, f: 1e300, g: -(2 ** 53 - 1), h: 0x3fffffff, i: 0x40000000 };
    const back = roundTrip(numbers, ['a', 'b']);
    expect(back).toStrictEqual(numbers);
    expect(Object.is(back.a, -0)).toBe(true);
  });
});

describe('packed log', () => {
  const records = (): StoreRecord[] => loadFixtures().map((fixture, i): StoreRecord => {
    const parsed = parseWebhook(fixture.text);
    if (!parsed.ok) return { kind: 'dead-letter', position: i + 1, receivedAt: 1_000 + i, source: `line ${i + 1}`, raw: fixture.text, error: parsed.error };
    return { kind: 'event', position: i + 1, receivedAt: 1_000 + i, source: i % 2 === 0 ? null : `line ${i + 1}`, event: parsed.event };
  });

  it('gives back every vendor example as the event it was appended as', () => {
    const log = createPackedLog();
    const appended = records();
    for (const record of appended) log.append(record);
    expect([...log.records()]).toEqual(appended);
    for (const [slot, record] of appended.entries()) {
      expect(log.position(slot)).toBe(record.position);
      if (record.kind !== 'event') continue;
      expect(log.hasOwnTime(slot)).toBe(record.event.time !== null);
      expect(log.rank(slot)).toBe(record.event.rank);
    }
  });

  it('keeps positions with gaps (a shared store\'s log), across growth of its columns', () => {
    const log = createPackedLog();
    const fixtures = records();
    // Dense at first, gaps from the 700th record on, and enough records to grow the columns.
    const appended = Array.from({ length: 3000 }, (_, i) => ({ ...fixtures[i % fixtures.length]!, position: i < 700 ? i + 1 : 2 * i }));
    for (const record of appended) log.append(record);
    expect([...log.records()]).toEqual(appended);
    // Every position finds its slot; a position the log does not hold is an error.
    for (const [slot, record] of appended.entries()) expect(log.slotOf(record.position)).toBe(slot);
    expect(() => log.slotOf(701)).toThrow(RangeError);
  });

  it('truncate leaves the log as it was before the dropped records were appended', () => {
    const fixtures = records();
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 64, max: 4096 }), (kept, dropped, chunkBytes) => {
      const all = Array.from({ length: kept + dropped + 50 }, (_, i) => ({ ...fixtures[i % fixtures.length]!, position: i + 1 }));
      const log = createPackedLog({ chunkBytes });
      for (const record of all.slice(0, kept + dropped)) log.append(record);
      log.truncate(kept);
      expect(log.length).toBe(kept);
      // Appending again after the cut takes the dropped slots, and reads back as if never dropped.
      for (const record of all.slice(kept)) log.append(record);
      expect([...log.records()]).toEqual(all);
    }), { numRuns: 60 });
  });

  it('gives back what was appended whatever the chunk size, records larger than a chunk included', () => {
    const fixtures = records();
    const large = { kind: 'event', position: 0, receivedAt: 0, source: null, event: (() => {
      const parsed = parseWebhook({ eventType: 'SessionActivityHologram', data: { sessionId: 9, blob: 'x'.repeat(5000) } });
      if (!parsed.ok) throw new Error('rejected');
      return parsed.event;
    })() } as const;
    fc.assert(fc.property(fc.integer({ min: 64, max: 4096 }), fc.array(fc.nat(fixtures.length), { minLength: 1, maxLength: 300 }), (chunkBytes, picks) => {
      const log = createPackedLog({ chunkBytes });
      // Index fixtures.length stands for the large record.
      const appended = picks.map((pick, i): StoreRecord => ({ ...(pick === fixtures.length ? large : fixtures[pick]!), position: i + 1 }));
      appended.forEach((record, i) => {
        log.append(record);
        // Read while writing too: a reader of a chunk that has grown since must see its new bytes.
        if (i % 7 === 0) expect(log.record(i)).toEqual(record);
      });
      expect([...log.records()]).toEqual(appended);
    }), { numRuns: 60 });
  });

  it('takes any body a tracker accepts: a 20,000-key payload is stored and read back', async () => {
    const store = createMemoryStore();
    const tracker = createTracker({ store, clock: () => 0 });
    const data = { sessionId: 9, ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) };
    const result = await tracker.ingest({ eventType: 'SessionActivityHologram', data });
    expect(result.outcome).toBe('unknown');
    expect(store.read()[0]).toMatchObject({ kind: 'event', event: { data } });
  });

  it('keeps an unknown event type with its payload', () => {
    const log = createPackedLog();
    const parsed = parseWebhook({ eventType: 'SessionActivityTeleported', data: { sessionId: 5, to: { planet: 'Mars', crew: [1, 2] } } });
    if (!parsed.ok) throw new Error('rejected');
    log.append({ kind: 'event', position: 1, receivedAt: 5, source: null, event: parsed.event });
    expect(log.event(0)).toEqual(parsed.event);
  });
});

describe('a tracker over a log it did not write', () => {
  it('reports a re-delivery whose original is not in the log as a duplicate, without throwing', () => {
    const records: StoreRecord[] = [{
      kind: 'redelivery', position: 1, receivedAt: 0, source: 'line 1', originalPosition: 7,
      identity: 'SessionCreated:42', conflicting: null,
    }];
    const tracker = createTracker({ store: { append: () => { throw new Error('read-only'); }, read: () => records }, clock: () => 0 });
    expect(tracker.anomalies()).toMatchObject([{ kind: 'duplicate', position: 1, stream: null, source: 'line 1' }]);
  });
});
