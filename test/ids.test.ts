import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTracker, parseWebhook } from 'mluvii-state';

/** A SessionCreated body with its id written as `idText`, compact (canonical) or spaced (general path). */
const created = (idText: string, spaced: boolean) => spaced
  ? `{ "eventType": "SessionCreated", "data": { "id": ${idText}, "tenantId": 62, "channel": "Chat", "source": "Default" } }`
  : `{"eventType":"SessionCreated","data":{"id":${idText},"tenantId":62,"channel":"Chat","source":"Default"}}`;

describe('ids beyond what a number holds exactly', () => {
  it('accepts an id exactly when it is an integer from 1 to 2^53-1, on both parsing paths', () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    const near = (b: bigint) => fc.bigInt({ min: b - 5n, max: b + 5n });
    fc.assert(fc.property(fc.oneof(near(0n), near(max), fc.bigInt({ min: -(1n << 64n), max: 1n << 64n })), fc.boolean(), (id, spaced) => {
      const result = parseWebhook(created(id.toString(), spaced));
      const valid = id >= 1n && id <= max;
      expect(result.ok).toBe(valid);
      if (result.ok) expect(result.event.entityId).toBe(Number(id));
      else expect(result.error).toMatchObject({ code: 'invalid-field', path: '$.data.id', expected: 'integer from 1 to 2^53-1' });
    }));
  });

  it.each(['1e21', '-5', '0', '9007199254740992', '9007199254740993', '1.5'])('rejects id %s with a structured error', (idText) => {
    for (const spaced of [false, true]) {
      const result = parseWebhook(created(idText, spaced));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('invalid-field');
    }
  });

  it('does not merge sessions 9007199254740993 and 9007199254740992', async () => {
    const tracker = createTracker();
    const a = await tracker.ingest(created('9007199254740993', false));
    const b = await tracker.ingest(created('9007199254740992', false));
    expect([a.outcome, b.outcome]).toEqual(['rejected', 'rejected']);
    expect(tracker.sessions()).toEqual([]);
  });

  it('keeps an unknown session activity with an id out of range out of every session', async () => {
    const tracker = createTracker();
    const result = await tracker.ingest('{"eventType":"SessionActivityNew","data":{"sessionId":1e21}}');
    expect(result.outcome).toBe('unknown');
    expect(result.streams).toEqual(['unknown:SessionActivityNew']);
    expect(tracker.sessions()).toEqual([]);
  });
});

describe('event types a sender invents', () => {
  it('get their own streams up to a cap, then share one; a rebuild from the store decides the same', async () => {
    const tracker = createTracker();
    const bodies = Array.from({ length: 150 }, (_, i) => JSON.stringify({ eventType: `Invented${i}`, data: { i } }));
    for (const body of bodies) await tracker.ingest(body);
    expect(tracker.stats().streams).toBe(101);
    expect(tracker.timeline('unknown:(other)')).toHaveLength(50);
    expect(tracker.anomalies({ stream: 'unknown:(other)' })).toHaveLength(50);
    const rebuilt = createTracker({ store: tracker.store });
    expect(rebuilt.stats()).toEqual(tracker.stats());
    expect(rebuilt.timeline('unknown:(other)')).toEqual(tracker.timeline('unknown:(other)'));
  });
});
