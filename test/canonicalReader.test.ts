import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EVENT_CATALOGUE, EVENT_TYPES, generateStream, parseWebhook, type EventType } from 'mluvii-state';
import { readCanonicalBody } from '../src/catalogue/canonicalReader.js';
import { anyWebhookBody } from './support/arbitraries.js';

const checkers = new Map(EVENT_TYPES.map((type) => [type, TypeCompiler.Compile(EVENT_CATALOGUE[type].schema)]));

/** The payload `JSON.parse` gives for `text`, when the text is a known type's valid body; else null. */
function generalPayload(text: string): { eventType: EventType; data: Record<string, unknown> } | null {
  let envelope: { eventType?: unknown; data?: unknown };
  try {
    envelope = JSON.parse(text) as typeof envelope;
  } catch {
    return null;
  }
  const { eventType, data } = envelope;
  if (typeof eventType !== 'string' || !checkers.has(eventType as EventType)) return null;
  return checkers.get(eventType as EventType)!.Check(data) ? { eventType: eventType as EventType, data: data as Record<string, unknown> } : null;
}

/**
 * Texts near a canonical body: one edit, anywhere or where a value starts (after a `:`, where the
 * number and string forms are decided), that makes a body non-canonical, invalid, or keeps it so.
 */
const nearBody: fc.Arbitrary<string> = fc.tuple(
  anyWebhookBody,
  fc.nat(),
  fc.boolean(),
  fc.constantFrom('insert', 'delete', 'replace'),
  fc.constantFrom(' ', '\\', '\\"', '\\u0041', '"', ',', ':', '{', '}', '[', ']', '0', '00', '-', '-0', '.5', 'e3', '1.0',
    '12345678901234567', 'null', 'true', '"x"', '\n', '\u0001', 'é', '\ud800'),
).map(([body, at, atValue, edit, piece]) => {
  const text = JSON.stringify(body);
  const valueStarts = [...text.matchAll(/:/g)].map((m) => m.index + 1);
  const i = atValue && valueStarts.length > 0 ? valueStarts[at % valueStarts.length]! : at % (text.length + 1);
  if (edit === 'insert') return text.slice(0, i) + piece + text.slice(i);
  if (edit === 'delete') return text.slice(0, i) + text.slice(i + piece.length);
  return text.slice(0, i) + piece + text.slice(i + piece.length);
});

/** Bodies with one payload key moved, dropped, doubled or added, or a value swapped for another JSON value. */
const reshapedBody: fc.Arbitrary<string> = fc.tuple(anyWebhookBody, fc.nat(), fc.constantFrom('move', 'drop', 'double', 'add', 'value'), fc.jsonValue())
  .map(([body, at, edit, value]) => {
    const entries = Object.entries(body.data);
    const i = entries.length === 0 ? 0 : at % entries.length;
    const entry = entries[i];
    if (entry !== undefined) {
      if (edit === 'move') entries.push(...entries.splice(i, 1));
      if (edit === 'drop') entries.splice(i, 1);
      if (edit === 'value') entries[i] = [entry[0], value];
    }
    const payload = Object.fromEntries(entries);
    const text = JSON.stringify({ eventType: body.eventType, data: payload });
    if (edit === 'double' && entry !== undefined) return text.replace(/\}\}$/, `,${JSON.stringify(entry[0])}:${JSON.stringify(entry[1])}}}`);
    if (edit === 'add') return text.replace(/\}\}$/, `${entries.length > 0 ? ',' : ''}"extra":${JSON.stringify(value)}}}`);
    return text;
  });

describe('canonical reader', () => {
  it('reads a text only when JSON.parse and the schema accept it, and to the same payload, key order included', () => {
    fc.assert(fc.property(fc.oneof(anyWebhookBody.map((body) => JSON.stringify(body)), nearBody, reshapedBody), (text) => {
      const canonical = readCanonicalBody(text);
      if (canonical === null) return;
      const general = generalPayload(text);
      expect(general).not.toBeNull();
      expect(canonical.eventType).toBe(general!.eventType);
      // Entries compared in order, values with Object.is (toEqual tells -0 from 0).
      expect(Object.entries(canonical.data)).toEqual(Object.entries(general!.data));
    }), { numRuns: 5000 });
  });

  it('gives parseWebhook the event its general path gives', () => {
    fc.assert(fc.property(fc.oneof(anyWebhookBody.map((body) => JSON.stringify(body)), nearBody, reshapedBody), (text) => {
      // A leading space keeps a body valid JSON but never canonical: the general path reads it.
      const general = parseWebhook(` ${text}`);
      const result = parseWebhook(text);
      expect(result.ok).toBe(general.ok);
      if (result.ok && general.ok) expect(result.event).toEqual(general.event);
      // (Both failed on the general path: the messages quote the texts, which differ by the space.)
      else if (!result.ok && !general.ok) expect(result.error.code).toBe(general.error.code);
    }), { numRuns: 3000 });
  });

  it('reads the bodies mluvii sends: every type whose payload holds only scalars, and most of a day', () => {
    const { lines } = generateStream({ seed: 7, sessions: 400, emailThreads: 40, operators: 8 });
    const unread = new Map<string, number>();
    let read = 0;
    for (const line of lines) {
      if (readCanonicalBody(line) !== null) read++;
      else {
        const { eventType } = JSON.parse(line) as { eventType: string };
        unread.set(eventType, (unread.get(eventType) ?? 0) + 1);
      }
    }
    // Only the types whose generated payloads carry a nested value (hero cards, call scripts,
    // submitted form parameters) take the general path.
    expect([...unread.keys()].sort()).toEqual(['SessionActivityCallScript', 'SessionActivityHeroCard', 'SessionActivityHeroCardSubmission']);
    expect(read / lines.length).toBeGreaterThan(0.9);
  });

  it('leaves to the general path what a maxDepth below 2 forbids', () => {
    const text = '{"eventType":"SessionCreated","data":{"id":1,"tenantId":62,"channel":"Chat","source":"Default"}}';
    expect(readCanonicalBody(text)?.data).toEqual({ id: 1, tenantId: 62, channel: 'Chat', source: 'Default' });
    const result = parseWebhook(text, { maxDepth: 1 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('too-deep');
  });
});
