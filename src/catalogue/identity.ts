/**
 * Dedupe identity and content fingerprint (domain-notes, "Dedupe keys"). mluvii sends no event
 * id: an exact retry repeats the body byte for byte, so identity is built from the fields that
 * name one occurrence, and the fingerprint tells a retry from a conflicting second report.
 */
import type { EventType } from './catalogue.js';

/**
 * cyrb53: a fast, well-distributed 53-bit string hash (public domain, bryc). Not cryptographic:
 * fingerprints only compare two reports of the same identity, so collisions need not be resisted.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Fingerprint of a payload's JSON text: 14 hex digits. */
export function fingerprintOf(dataJson: string): string {
  return hash53(dataJson).toString(16).padStart(14, '0');
}

/** The fields identity is built from, taken from the normalized event. */
export interface IdentityParts {
  readonly eventType: string;
  readonly known: boolean;
  readonly timeUs: number | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly fingerprint: string;
}

/**
 * - generic activity: `(eventType, activityId)`
 * - HeroCardSubmission: `(sessionId, originalFormID, time)`
 * - Av*: `(eventType, sessionId, operatorId, time)`
 * - lifecycle with time: `(eventType, id, userId?, time)`
 * - SessionCreated: `(eventType, id)`: it happens once per session
 * - other events without time: `null`: refresh signals, a repeat is harmless and two equal
 *   UserStatusChanged bodies can be two real changes (AWAY, ONLINE, AWAY)
 * - unknown event types: `(eventType, fingerprint)`: only exact repeats are recognised
 */
export function identityOf(parts: IdentityParts): string | null {
  const { eventType, data, timeUs } = parts;
  if (!parts.known) return `${eventType}#${parts.fingerprint}`;
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
