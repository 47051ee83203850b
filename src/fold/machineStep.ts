import type { TransitionTable } from './transitionTable.js';
import type { AnomalyCollector } from './folder.js';
import type { EventType } from '../types.js';

/**
 * Which machine event (by table index) each webhook event type is. A Map, looked up once per
 * event: indexing an object with 30-odd keys by a runtime string is a megamorphic keyed load.
 */
export const machineEventsOf = (entries: Partial<Record<EventType, number>>): ReadonlyMap<string, number> =>
  new Map(Object.entries(entries) as [string, number][]);

/**
 * Applies one machine event to a compiled state: returns the next state and records the
 * transition's anomaly signals in `anomalies`.
 */
export function applyMachineEvent(table: TransitionTable, state: number, eventIndex: number, anomalies: AnomalyCollector): number {
  const cell = state * table.events.length + eventIndex;
  const effect = table.effects[cell];
  if (effect != null) {
    if (effect.missing.length > 0) anomalies.addMissing(effect.missing);
    if (effect.unexpected !== null) anomalies.add({ kind: 'unexpected-event', message: effect.unexpected });
    // An unexpected event keeps the state (the machine defines it targetless).
  }
  return table.next[cell]!;
}
