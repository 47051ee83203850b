/** The compact scanner (parseWebhook's fast path) against the general path it stands in for. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EVENT_CATALOGUE, generateStream } from 'mluvii-state';
import { scanCompactBody } from '../src/catalogue/compactScan.js';
import { parseGeneral, parseWebhookInto } from '../src/catalogue/parseWebhook.js';
import { ByteWriter } from '../src/store/eventCodec.js';
import { loadFixtures } from './support/fixtures.js';

const keysOf = (eventType: string) => Object.keys((EVENT_CATALOGUE as Record<string, { schema: { properties: object } }>)[eventType]!.schema.properties);

/**
 * Whether the scanner and the general path agree on `text`: a body the scanner takes must parse
 * to the same result, and its bytes must be what the encoder makes of the general path's payload.
 * Returns whether the scanner took it.
 */
function agree(text: string): boolean {
  const writer = new ByteWriter();
  writer.byte(0xaa); // the payload does not start at offset 0
  const general = parseGeneral(text, text);
  const fast = parseWebhookInto(text, {}, writer);
  expect(fast).toEqual(general);
  const scanned = scanCompactBody(text, new ByteWriter());
  if (writer.length === 1) return false;
  expect(fast.ok).toBe(true);
  expect(scanned).not.toBeNull();
  if (!general.ok) return false;
  const expected = new ByteWriter();
  expected.byte(0xaa);
  expected.object(general.event.data as Record<string, unknown>, keysOf(general.event.eventType));
  expect([...writer.bytes.subarray(0, writer.length)]).toEqual([...expected.bytes.subarray(0, expected.length)]);
  return true;
}

const compact = loadFixtures().map((f) => JSON.stringify(f.body));

/** Values a payload key may be given: right and wrong kinds, and forms only the general path reads. */
const oddValue = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constant(-0), fc.constant(2 ** 53 + 2),
  fc.string({ unit: 'binary' }), fc.string(), fc.constantFrom('2024-05-06T08:02:20.627349+02:00', 'not a time', 'Chat', 'ChatMessage'),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('compact scanner', () => {
  it('takes the compact form of every example and of a generated day, with the same result as the general path', () => {
    let taken = 0;
    for (const text of compact) if (agree(text)) taken++;
    // Examples with nested values (hero cards, call scripts, params) are the general path's.
    expect(taken).toBeGreaterThan(compact.length / 2);
    const { lines } = generateStream({ seed: 3, sessions: 40 });
    const generated = lines.filter(agree).length;
    expect(generated / lines.length).toBeGreaterThan(0.9);
  });

  it('agrees with the general path on payloads with values changed, keys dropped, added or moved, and text altered', () => {
    const fixture = fc.constantFrom(...loadFixtures().map((f) => f.body));
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: oddValue }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'time', 'userId')), value: oddValue }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
    );
    const textEdit = fc.oneof(
      fc.constant(null),
      fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: fc.constantFrom('', ' ', '\\', '"', '\\n', '0', '-', '.5', 'e3', ',', '}', '\u0001', '\ud800') }),
    );
    fc.assert(fc.property(fixture, fc.array(edit, { maxLength: 4 }), textEdit, (body, edits, change) => {
      let entries = Object.entries(body.data);
      for (const e of edits) {
        const i = entries.length === 0 ? 0 : ('at' in e ? e.at % entries.length : 0);
        if (e.kind === 'set' && entries.length > 0) entries[i] = [entries[i]![0], e.value];
        else if (e.kind === 'drop') entries.splice(i, 1);
        else if (e.kind === 'add') entries.push([e.key, e.value]);
        else if (e.kind === 'swap' && entries.length > 1) [entries[i], entries[0]] = [entries[0]!, entries[i]!];
      }
      entries = entries.filter(([key]) => key !== '__proto__'); // JSON.stringify of such an object would not show it
      let text = JSON.stringify({ eventType: body.eventType, data: Object.fromEntries(entries) });
      if (change !== null) {
        const at = change.at % (text.length + 1);
        text = text.slice(0, at) + change.insert + text.slice(at + change.remove);
      }
      agree(text);
    }), { numRuns: 3000 });
  });

  it('leaves bodies it does not take as it found the writer', () => {
    const writer = new ByteWriter();
    writer.byte(7);
    for (const text of ['{"eventType":"SessionCreated","data":{"id":1,"tenantId":2,"channel":"Chat","source":"Default" }}', '{"eventType":"Nope","data":{}}', '{}']) {
      expect(scanCompactBody(text, writer)).toBeNull();
      expect(writer.length).toBe(1);
    }
  });
});
