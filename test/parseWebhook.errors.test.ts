import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseWebhook, type ParseErrorCode, type ParseResult } from 'mluvii-state';

const joined = (data: Record<string, unknown> = {}) => ({
  eventType: 'SessionOperatorJoined',
  data: { id: 7371450, tenantId: 62, userId: 4, channel: 'Phone', source: 'OutgoingCall', time: '2024-05-02T16:05:24.454661+02:00', ...data },
});

function rejected(result: ParseResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${result.event.eventType}`);
  return result;
}

describe('parseWebhook on bad input', () => {
  const cases: [string, unknown, ParseErrorCode, string][] = [
    ['text that is not JSON', '{"eventType": "SessionCreated", ', 'invalid-json', '$'],
    ['an empty string', '', 'invalid-json', '$'],
    ['a JSON array', '[1,2]', 'not-an-object', '$'],
    ['JSON null', 'null', 'not-an-object', '$'],
    ['a bare number handed in', 42, 'not-an-object', '$'],
    ['undefined handed in', undefined, 'not-an-object', '$'],
    ['a missing eventType', { data: {} }, 'invalid-event-type', '$.eventType'],
    ['a numeric eventType', { eventType: 7, data: {} }, 'invalid-event-type', '$.eventType'],
    ['an empty eventType', { eventType: '', data: {} }, 'invalid-event-type', '$.eventType'],
    ['a missing data', { eventType: 'SessionCreated' }, 'invalid-data', '$.data'],
    ['data that is an array', { eventType: 'SessionCreated', data: [] }, 'invalid-data', '$.data'],
    ['a string userId', joined({ userId: '4' }), 'invalid-field', '$.data.userId'],
    ['a missing id', { eventType: 'SessionCreated', data: { tenantId: 1, channel: 'Chat', source: 'Default' } }, 'invalid-field', '$.data.id'],
    ['a fractional id', joined({ id: 1.5 }), 'invalid-field', '$.data.id'],
    ['a malformed time', joined({ time: '2024-05-02 16:05' }), 'invalid-timestamp', '$.data.time'],
    ['an impossible date', joined({ time: '2024-02-30T10:00:00Z' }), 'invalid-timestamp', '$.data.time'],
    ['a malformed SessionEnded.started', { eventType: 'SessionEnded', data: { id: 1, tenantId: 1, channel: 'Chat', source: 'Default', started: 'yesterday', ended: '2024-05-02T15:34:12.871976+02:00' } }, 'invalid-timestamp', '$.data.started'],
    ['a __proto__ key', '{"eventType":"SessionCreated","data":{"id":1,"tenantId":1,"channel":"Chat","source":"Default","__proto__":{"polluted":true}}}', 'forbidden-key', '$.data.__proto__'],
    ['a nested constructor object', '{"eventType":"SessionActivityHeroCardSubmission","data":{"params":{"constructor":{"prototype":{"polluted":true}}}}}', 'forbidden-key', '$.data.params.constructor'],
    ['a __proto__ key spelled with an escape', '{"eventType":"SessionCreated","data":{"id":1,"\\u005f_proto__":{"polluted":true}}}', 'forbidden-key', '$.data.__proto__'],
    ['a constructor key spelled with an escape', '{"eventType":"X","data":{"\\u0063onstructor":{"prototype":{}}}}', 'forbidden-key', '$.data.constructor'],
  ];

  it.each(cases)('rejects %s', (_, body, code, path) => {
    const result = rejected(parseWebhook(body));
    expect(result.error.code).toBe(code);
    expect(result.error.path).toBe(path);
    expect(result.error.expected).not.toBe('');
    expect(result.error.received).not.toBe('');
    expect(result.raw).toBe(body);
  });

  it('names what was expected and what was received', () => {
    const { error } = rejected(parseWebhook(joined({ userId: '4' })));
    expect(error).toMatchObject({ path: '$.data.userId', expected: 'integer from 1 to 2^53-1', received: 'string "4"', eventType: 'SessionOperatorJoined' });
    expect(error.message).toContain('$.data.userId');
  });

  it('reports every wrong field, not just the first', () => {
    const { error } = rejected(parseWebhook(joined({ userId: null, tenantId: 'x' })));
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['$.data.userId', '$.data.tenantId']));
  });

  it('never pollutes a prototype', () => {
    parseWebhook('{"__proto__":{"polluted":1},"eventType":"X","data":{}}');
    parseWebhook('{"eventType":"X","data":{"constructor":{"prototype":{"polluted":1}}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects a generic activity whose data.type contradicts the eventType', () => {
    const body = { eventType: 'SessionActivityOnHold', data: { sessionId: 1, activityId: 2, time: '2024-05-06T15:05:29.719899+02:00', type: 'ResumeGuest' } };
    expect(rejected(parseWebhook(body)).error).toMatchObject({ code: 'activity-type-mismatch', path: '$.data.type', expected: '"OnHold"' });
  });

  it('rejects a body over the size limit, default 1 MiB, configurable', () => {
    const big = JSON.stringify(joined({ padding: 'x'.repeat(1024 * 1024) }));
    expect(rejected(parseWebhook(big)).error.code).toBe('body-too-large');
    expect(rejected(parseWebhook(Buffer.from(big))).error.code).toBe('body-too-large');
    const small = JSON.stringify(joined());
    expect(parseWebhook(small, { maxBytes: small.length }).ok).toBe(true);
    expect(rejected(parseWebhook(small, { maxBytes: small.length - 1 })).error.code).toBe('body-too-large');
  });

  it('counts the size limit in UTF-8 bytes, not characters', () => {
    const text = JSON.stringify({ eventType: 'X', data: { note: 'ř'.repeat(100) } });
    expect(rejected(parseWebhook(text, { maxBytes: text.length + 50 })).error.code).toBe('body-too-large');
    expect(parseWebhook(text, { maxBytes: Buffer.byteLength(text) }).ok).toBe(true);
  });

  it('rejects deeply nested junk without overflowing the stack', () => {
    const deep = `{"eventType":"X","data":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const result = rejected(parseWebhook(deep, { maxBytes: 10_000_000 }));
    expect(['too-deep', 'invalid-json']).toContain(result.error.code);
    const moderate = `{"eventType":"X","data":{"a":${'['.repeat(40)}${']'.repeat(40)}}}`;
    expect(rejected(parseWebhook(moderate)).error.code).toBe('too-deep');
    expect(parseWebhook(moderate, { maxDepth: 50 }).ok).toBe(true);
  });

  it('finds every hazard the parsed value holds, however the text is written (property)', () => {
    // The parser rules hazards out by looking at the text (and, for flat bodies, two keys) before
    // it walks the parsed value: for any body, the verdict must be what a walk of the value gives.
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'a', 'b'), fc.string({ maxLength: 3 }));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 0 }), fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(key, tie('tree'), { maxKeys: 3 })),
    }));
    const depthOf = (value: unknown): number => value === null || typeof value !== 'object'
      ? 0 : 1 + Math.max(0, ...Object.values(value as object).map(depthOf));
    const forbidden = (value: unknown): boolean => value !== null && typeof value === 'object' && Object.entries(value as object)
      .some(([k, v]) => (!Array.isArray(value) && (k === '__proto__' || (k === 'constructor' && v !== null && typeof v === 'object'))) || forbidden(v));
    const escapeKeys = (text: string) => text.replace(/"(_|c)/g, (_, first: string) => `"\\u00${first.charCodeAt(0).toString(16)}`);
    const envelopeExtra = fc.constantFrom('', '"__proto__":1,', '"constructor":2,', '"a":"{[",');
    fc.assert(fc.property(fc.dictionary(key, tree, { maxKeys: 4 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), envelopeExtra, (data, maxDepth, escaped, extra) => {
      const plain = `{${extra}"eventType":"X","data":${JSON.stringify(data)}}`;
      const result = parseWebhook(escaped ? escapeKeys(plain) : plain, { maxDepth });
      const expected = 1 + depthOf(data) > maxDepth ? ['too-deep', 'forbidden-key']
        : forbidden(data) || extra.includes('__proto__') ? ['forbidden-key'] : null;
      if (expected === null) expect(result.ok).toBe(true);
      else expect(expected).toContain(rejected(result).error.code);
    }), { numRuns: 500 });
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('{"eventType":"X","data":{"t":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    expect(rejected(parseWebhook(bytes)).error.code).toBe('invalid-utf8');
  });

  it('rejects an object it cannot serialize instead of throwing', () => {
    const cyclic: Record<string, unknown> = { eventType: 'X' };
    cyclic.data = cyclic;
    expect(rejected(parseWebhook(cyclic)).error.code).toBe('not-serializable');
    expect(rejected(parseWebhook({ eventType: 'X', data: { n: 1n } })).error.code).toBe('not-serializable');
  });
});
