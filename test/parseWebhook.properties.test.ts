import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EVENT_CATALOGUE, EVENT_TYPES, PARSE_ERROR_CODES, parseTimestampUs, parseWebhook, type NormalizedEvent } from 'mluvii-state';
import { typeCodeOf } from '../src/catalogue/catalogue.js';
import { getIdentity, identityKeyOf, identityKeyOfText } from '../src/catalogue/identity.js';
import { webhookBody } from './support/arbitraries.js';

describe('parseWebhook properties', () => {
  it.each(EVENT_TYPES)('parse(serialize(e)) is e for arbitrary well-formed %s', (eventType) => {
    const spec = EVENT_CATALOGUE[eventType];
    fc.assert(fc.property(webhookBody(eventType), (body) => {
      const result = parseWebhook(JSON.stringify(body));
      if (!result.ok) throw new Error(result.error.message);
      const { event } = result;
      expect(event.known).toBe(true);
      expect(event.eventType).toBe(eventType);
      expect(EVENT_TYPES[event.typeCode - 1]).toBe(eventType);
      expect(event.data).toEqual(JSON.parse(JSON.stringify(body.data)));
      expect(event.family).toBe(spec.family);
      expect(event.time).toBe(spec.timeField === null ? null : parseTimestampUs(body.data[spec.timeField] as string));
      // The same event handed in as bytes or as a parsed object normalizes identically.
      expect(parseWebhook(Buffer.from(JSON.stringify(body)))).toEqual(result);
      expect(parseWebhook(body).ok && (parseWebhook(body) as typeof result).event).toEqual(event);
      // The dedupe key computed from the fields is the hash of the identity's text (0: none).
      const identity = getIdentity(event);
      expect(identityKeyOf(event)).toBe(identity === null ? 0 : identityKeyOfText(identity));
    }), { numRuns: 60 });
  });

  it('the dedupe key is the hash of the identity text for any numbers in the identity fields', () => {
    // Keys hash the numbers as values and the text path reads them back: both must agree on every
    // number a payload may carry (beyond 32 bits, negative, -0, fractions, huge).
    const number = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(fc.property(number, fc.option(number), number, (id, userId, time) => {
      const eventType = 'SessionOperatorJoined';
      const event = { known: true, eventType, typeCode: typeCodeOf(eventType), time, data: { id, userId } } as unknown as NormalizedEvent;
      expect(identityKeyOf(event)).toBe(identityKeyOfText(getIdentity(event)!));
    }), { numRuns: 1000 });
  });

  const isStructured = (result: ReturnType<typeof parseWebhook>) =>
    result.ok ? typeof result.event.stream === 'string' : PARSE_ERROR_CODES.includes(result.error.code) && result.error.path.startsWith('$');

  it('never throws on arbitrary JSON values, and answers with an event or a structured error', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(isStructured(parseWebhook(value))).toBe(true);
      expect(isStructured(parseWebhook(JSON.stringify(value)))).toBe(true);
    }), { numRuns: 1000 });
  });

  it('never throws on arbitrary envelopes around arbitrary data', () => {
    const envelope = fc.record({ eventType: fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string()), data: fc.anything() }, { requiredKeys: [] });
    fc.assert(fc.property(envelope, (value) => {
      expect(isStructured(parseWebhook(value))).toBe(true);
    }), { numRuns: 1000 });
  });

  it('never throws on arbitrary strings and bytes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.uint8Array(), (text, bytes) => {
      expect(isStructured(parseWebhook(text))).toBe(true);
      expect(isStructured(parseWebhook(bytes))).toBe(true);
    }), { numRuns: 1000 });
  });
});
