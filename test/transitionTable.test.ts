import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import {
  emailThreadMachine, EMAIL_THREAD_MACHINE_EVENTS, participationMachine, PARTICIPATION_MACHINE_EVENTS,
  presenceMachine, PRESENCE_MACHINE_EVENTS, sessionMachine, SESSION_MACHINE_EVENTS,
} from 'mluvii-state/machines';
import { createTransitionTable, effectOf, step } from '../src/fold/transitionTable.js';
import { effectOfActions } from '../src/fold/transitionTable.js';

const machines: [string, AnyStateMachine, readonly string[]][] = [
  ['session', sessionMachine, SESSION_MACHINE_EVENTS],
  ['participation', participationMachine, PARTICIPATION_MACHINE_EVENTS],
  ['presence', presenceMachine, PRESENCE_MACHINE_EVENTS],
  ['emailThread', emailThreadMachine, EMAIL_THREAD_MACHINE_EVENTS],
];

describe.each(machines)('the compiled %s table', (_, machine, events) => {
  const table = createTransitionTable(machine, events);

  it('agrees with XState transition() on every generated event sequence', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: events.length - 1 }), { maxLength: 60 }), (sequence) => {
      let [snapshot] = initialTransition(machine);
      let state = 0;
      for (const event of sequence) {
        const [next, actions] = transition(machine, snapshot, { type: events[event]! });
        expect(effectOf(table, state, event)).toEqual(effectOfActions(actions as { type: string; params?: unknown }[]));
        snapshot = next;
        state = step(table, state, event);
        expect(table.stateValues[state]).toEqual(snapshot.value);
      }
    }), { numRuns: 500 });
  });

  it('covers every reachable state exactly once', () => {
    const keys = table.stateValues.map((v) => JSON.stringify(v));
    expect(new Set(keys).size).toBe(keys.length);
    expect(table.next.every((n) => n >= 0 && n < keys.length)).toBe(true);
  });
});
