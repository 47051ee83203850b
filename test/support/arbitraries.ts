/**
 * fast-check arbitraries for webhook bodies, derived from the catalogue's own schemas so every one
 * of the 49 event types is covered and a schema change is picked up automatically.
 */
import fc from 'fast-check';
import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from 'mluvii-state';

export interface TimestampParts {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  /** 0 to 7 fraction digits, as mluvii sends. */
  fraction: string;
  offsetMinutes: number;
  /** Write a zero offset as `Z` rather than `+00:00`. */
  zulu: boolean;
}

const daysIn = (y: number, m: number) => new Date(Date.UTC(2000, m, 0)).getUTCDate() - (m === 2 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 1 : 0);

export const timestampParts: fc.Arbitrary<TimestampParts> = fc
  .record({
    year: fc.integer({ min: 1900, max: 2200 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 7 }),
    offsetMinutes: fc.oneof(fc.constant(0), fc.constant(120), fc.integer({ min: -14 * 60, max: 14 * 60 })),
    zulu: fc.boolean(),
  })
  .map((p) => ({ ...p, day: Math.min(p.day, daysIn(p.year, p.month)) }));

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** A timestamp string in any of the vendor's forms (separator `.`, `,` or `:`). */
export const timestampText: fc.Arbitrary<string> = fc
  .tuple(timestampParts, fc.constantFrom('.', ',', ':'))
  .map(([p, sep]) => {
    const offset = p.offsetMinutes === 0 && p.zulu ? 'Z' : `${p.offsetMinutes < 0 ? '-' : '+'}${pad(Math.trunc(p.offsetMinutes / 60))}:${pad(p.offsetMinutes % 60)}`;
    return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${p.fraction ? sep + p.fraction : ''}${offset}`;
  });

const safeKey = fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__' && k !== 'constructor');
/** Free-form JSON (hero cards, call scripts) without prototype-poisoning keys. */
const freeJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 3 }, fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(safeKey, tie('value'), { maxKeys: 3 })),
})).value;

/** An arbitrary for any value a TypeBox schema accepts (the subset of TypeBox the catalogue uses). */
function arbitraryFor(schema: TSchema): fc.Arbitrary<unknown> {
  switch (schema[Kind]) {
    case 'Integer': return fc.oneof(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: (schema.minimum as number | undefined) ?? Number.MIN_SAFE_INTEGER, max: (schema.maximum as number | undefined) ?? Number.MAX_SAFE_INTEGER }));
    case 'Boolean': return fc.boolean();
    case 'Null': return fc.constant(null);
    case 'Unknown': return freeJson;
    case 'String': {
      const known = schema.knownValues as string[] | undefined;
      return known ? fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 12 })) : fc.string({ maxLength: 40 });
    }
    case 'Union': return fc.oneof(...(schema.anyOf as TSchema[]).map(arbitraryFor));
    case 'Record': return fc.dictionary(safeKey, freeJson, { maxKeys: 4 });
    case 'Object': {
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      const required: string[] = [];
      for (const [key, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
        shape[key] = arbitraryFor(property);
        if (property[OptionalKind] !== 'Optional') required.push(key);
      }
      return fc.record(shape, { requiredKeys: required });
    }
    default: throw new Error(`no arbitrary for schema kind ${String(schema[Kind])}`);
  }
}

/** Well-formed bodies of one event type, with valid timestamps and a matching generic `type`. */
export function webhookBody(eventType: EventType): fc.Arbitrary<{ eventType: string; data: Record<string, unknown> }> {
  const spec = EVENT_CATALOGUE[eventType];
  return fc.tuple(arbitraryFor(spec.schema) as fc.Arbitrary<Record<string, unknown>>, timestampText, fc.option(timestampText))
    .map(([data, time, started]) => {
      const fixed: Record<string, unknown> = { ...data };
      if (spec.timeField !== null) fixed[spec.timeField] = time;
      if (eventType === 'SessionEnded') fixed.started = started;
      if ('type' in (spec.schema.properties as object)) fixed.type = eventType.slice('SessionActivity'.length);
      return { eventType, data: fixed };
    });
}

/** Well-formed bodies of any of the 49 types. */
export const anyWebhookBody = fc.constantFrom(...EVENT_TYPES).chain(webhookBody);
