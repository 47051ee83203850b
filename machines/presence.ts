/**
 * An operator's presence. UserStatusChanged carries no timestamp: the last delivered wins, so the
 * lifecycle is just "not yet reported" -> "reported"; status and availability are kept as
 * delivered, unknown values included.
 */
import { setup } from 'xstate';
import { anomalyActions } from './anomalyActions.js';

export const PRESENCE_MACHINE_EVENTS = ['status.changed'] as const;
export type PresenceMachineEvent = { type: (typeof PRESENCE_MACHINE_EVENTS)[number] };

export const presenceMachine = setup({
  types: { events: {} as PresenceMachineEvent },
  actions: anomalyActions,
}).createMachine({
  id: 'presence',
  initial: 'unreported',
  states: {
    unreported: { on: { 'status.changed': 'reported' } },
    reported: { on: { 'status.changed': 'reported' } },
  },
});
