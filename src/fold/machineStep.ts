import type { TransitionTable } from './transitionTable.js';
import type { AnomalyCollector } from './folder.js';
import { EVENT_TYPES, typeCodeOf } from '../catalogue/catalogue.js';
import type { EventType } from '../types.js';

/** No machine event: what {@link machineEventsOf} holds for the other event types. */
export const NO_MACHINE_EVENT = -1;

/**
 * Which machine event (by table index) each webhook event type is, indexed by the event's
 * `typeCode` ({@link NO_MACHINE_EVENT} for the others): an array read, where a Map lookup by the
 * name cost a hash probe, and an object indexed by the name a megamorphic keyed load.
 */
export function machineEventsOf(entries: Partial<Record<EventType, number>>): Readonly<Int16Array> {
  const byCode = new Int16Array(EVENT_TYPES.length + 1).fill(NO_MACHINE_EVENT);
  for (const [eventType, machineEvent] of Object.entries(entries)) byCode[typeCodeOf(eventType)] = machineEvent;
  return byCode;
}

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

/**
 * Whether a machine rejects an event in a compiled state (the transition keeps the state and
 * flags it unexpected). A fold changes no field for an event its machine rejects: the machine,
 * not the fold, decides what an event may change.
 */
export function rejects(table: TransitionTable, state: number, eventIndex: number): boolean {
  return table.effects[state * table.events.length + eventIndex]?.unexpected != null;
}
