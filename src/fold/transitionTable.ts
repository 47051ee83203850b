/**
 * Compiles a finite, context-free XState machine into a dense transition table, so the hot path
 * folds an event with two array reads instead of XState's `transition()` (about 20x the cost of
 * a hand-written reducer) or an actor per entity (about 3.6 KB each).
 *
 * The table is derived by asking XState itself: a breadth-first walk from the initial snapshot
 * applies every event of the machine's alphabet with the pure `transition()` and records the
 * next state and the anomaly actions it returned. The machine stays the single source of truth;
 * test/transitionTable.test.ts checks the two agree on generated event sequences.
 */
import { initialTransition, transition, type AnyStateMachine, type AnyMachineSnapshot, type StateValue } from 'xstate';
import type { MissingParams, UnexpectedParams } from '../../machines/anomalyActions.js';

/** What a transition signals besides its target (see machines/anomalyActions.ts). */
export interface TransitionEffect {
  /** Event types that must have been lost for this transition to make sense. */
  readonly missing: readonly string[];
  /** Set when the event cannot be explained by missing events. */
  readonly unexpected: string | null;
}

/** A machine compiled for the hot path. States and events are small integers. */
export interface TransitionTable<EventName extends string = string> {
  readonly machineId: string;
  /** State index 0 is the initial state. */
  readonly stateValues: readonly StateValue[];
  readonly events: readonly EventName[];
  readonly eventIndex: Readonly<Record<EventName, number>>;
  /** `next[state * events.length + event]`: the next state index. */
  readonly next: Int16Array;
  /** Same indexing; `null` for a plain transition (or an event the state ignores). */
  readonly effects: readonly (TransitionEffect | null)[];
  /**
   * Per state: the event types it waits for (`meta: { awaits: [...] }` on its state nodes). A
   * stream in such a state has an open missing-transition naming them until it leaves it.
   */
  readonly awaits: readonly (readonly string[])[];
}

/** The event types the active state nodes of a snapshot wait for (their `meta.awaits`). */
function awaitsOf(snapshot: AnyMachineSnapshot): readonly string[] {
  const awaited: string[] = [];
  for (const meta of Object.values(snapshot.getMeta() as Record<string, { awaits?: readonly string[] } | undefined>)) {
    for (const eventType of meta?.awaits ?? []) if (!awaited.includes(eventType)) awaited.push(eventType);
  }
  return awaited;
}

const stateKey = (value: StateValue) => JSON.stringify(value);

/** The anomaly signals among the actions XState returned for one transition. */
export function effectOfActions(actions: readonly { type: string; params?: unknown }[]): TransitionEffect | null {
  let missing: string[] = [];
  let unexpected: string | null = null;
  for (const action of actions) {
    if (action.type === 'missing') missing = missing.concat((action.params as MissingParams).events);
    else if (action.type === 'unexpected') unexpected = (action.params as UnexpectedParams).reason;
  }
  return missing.length === 0 && unexpected === null ? null : { missing, unexpected };
}

/**
 * Builds the table of every state reachable from the initial one under `events`.
 *
 * @param machine a machine without context-dependent guards (the walk keys states by value only)
 * @param events its alphabet
 */
export function createTransitionTable<const EventName extends string>(
  machine: AnyStateMachine,
  events: readonly EventName[],
): TransitionTable<EventName> {
  const [initial] = initialTransition(machine);
  const snapshots: AnyMachineSnapshot[] = [initial];
  const indexByKey = new Map<string, number>([[stateKey(initial.value), 0]]);
  const rows: { next: number; effect: TransitionEffect | null }[][] = [];

  for (let state = 0; state < snapshots.length; state++) {
    const row: { next: number; effect: TransitionEffect | null }[] = [];
    for (const type of events) {
      const [nextSnapshot, actions] = transition(machine, snapshots[state]!, { type });
      const key = stateKey(nextSnapshot.value);
      let next = indexByKey.get(key);
      if (next === undefined) {
        next = snapshots.length;
        indexByKey.set(key, next);
        snapshots.push(nextSnapshot);
      }
      row.push({ next, effect: effectOfActions(actions as { type: string; params?: unknown }[]) });
    }
    rows.push(row);
  }

  const width = events.length;
  const next = new Int16Array(rows.length * width);
  const effects: (TransitionEffect | null)[] = new Array(rows.length * width).fill(null);
  rows.forEach((row, state) => row.forEach((cell, event) => {
    next[state * width + event] = cell.next;
    effects[state * width + event] = cell.effect;
  }));
  const eventIndex = Object.fromEntries(events.map((e, i) => [e, i])) as Record<EventName, number>;
  return {
    machineId: machine.id,
    stateValues: snapshots.map((s) => s.value),
    events,
    eventIndex,
    next,
    effects,
    awaits: snapshots.map(awaitsOf),
  };
}

/** One step: the next state index and the effect, if any. */
export function step(table: TransitionTable, state: number, event: number): number {
  return table.next[state * table.events.length + event]!;
}

export function effectOf(table: TransitionTable, state: number, event: number): TransitionEffect | null {
  return table.effects[state * table.events.length + event]!;
}
