/**
 * Generic activities carry 26 keys, mostly null: held for every event of a day, those nulls are
 * most of the tracker's memory. Stores that keep events in memory hold them without their
 * null-valued keys; `restoreEvent` puts them back. For every body that had all 26 keys (the
 * vendor always sends them) the round trip is exact; a body that lacked some gets them as null.
 */
import { GENERIC_ACTIVITY_KEYS } from '../catalogue/schemas.js';
import { isGenericActivity } from '../catalogue/catalogue.js';
import type { NormalizedEvent } from '../types.js';

export function compactEvent(event: NormalizedEvent): NormalizedEvent {
  if (!event.known || !isGenericActivity(event.eventType)) return event;
  const compact: Record<string, unknown> = {};
  const data = event.data as Readonly<Record<string, unknown>>;
  for (const key in data) if (data[key] !== null) compact[key] = data[key];
  return { ...event, data: compact } as NormalizedEvent;
}

export function restoreEvent(event: NormalizedEvent): NormalizedEvent {
  if (!event.known || !isGenericActivity(event.eventType)) return event;
  const data: Record<string, unknown> = {};
  for (const key of GENERIC_ACTIVITY_KEYS) data[key] = null;
  return { ...event, data: Object.assign(data, event.data) } as NormalizedEvent;
}
