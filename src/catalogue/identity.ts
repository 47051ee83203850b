/**
 * Dedupe identity and content comparison (domain-notes, "Dedupe keys"). mluvii sends no event
 * id: identity is built from the fields that name one occurrence; two deliveries of one identity
 * are a retry when their payloads are equal, and a conflicting second report when they are not.
 */
import xxhash from 'xxhash-wasm';
import type { EventType } from './catalogue.js';
import type { NormalizedEvent } from '../types.js';

// xxHash64 (WebAssembly) names unknown event types' payloads; they have no identity fields.
const { h64ToString } = await xxhash();

/**
 * - generic activity: `(eventType, activityId)`
 * - HeroCardSubmission: `(sessionId, originalFormID, time)`
 * - Av*: `(eventType, sessionId, operatorId, time)`
 * - lifecycle with time: `(eventType, id, userId?, time)`
 * - SessionCreated: `(eventType, id)`: it happens once per session
 * - other events without time: `null`: refresh signals, a repeat is harmless and two equal
 *   UserStatusChanged bodies can be two real changes (AWAY, ONLINE, AWAY)
 * - unknown event types: `(eventType, xxHash64 of the payload's JSON)`: only repeats of the
 *   same payload are recognised
 */
export function identityOf(eventType: string, known: boolean, timeUs: number | null, data: Readonly<Record<string, unknown>>): string | null {
  if (!known) return `${eventType}#${h64ToString(JSON.stringify(data))}`;
  if (typeof data.activityId === 'number') return `${eventType}:${data.activityId}`;
  switch (eventType as EventType) {
    case 'SessionActivityHeroCardSubmission':
      return `${eventType}:${data.sessionId}:${data.originalFormID}:${timeUs}`;
    case 'SessionActivityAvRequest':
    case 'SessionActivityAvTerminated':
    case 'SessionActivityAvResponse':
    case 'SessionActivityAvMediaResult':
      return `${eventType}:${data.sessionId}:${data.operatorId}:${timeUs}`;
    case 'SessionCreated':
      return `${eventType}:${data.id}`;
    default:
      return timeUs === null ? null : `${eventType}:${data.id}:${data.userId ?? ''}:${timeUs}`;
  }
}

/**
 * Whether two deliveries of one identity report the same thing: equal event types and equal
 * payloads as JSON values (key order and whitespace do not matter). Only asked of re-deliveries.
 */
export function sameContent(a: NormalizedEvent, b: NormalizedEvent): boolean {
  return a.eventType === b.eventType && sameJson(a.data, b.data);
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
