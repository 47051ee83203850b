/**
 * The session lifecycle (one per session id), with the sub-lifecycles domain-notes describes as
 * parallel regions. Who is in the session is not here: each operator has a participation machine
 * (participation.ts), and the public status (queued, active, ended, after-call work, closed)
 * combines this machine's `lifecycle` region with them.
 */
import { setup } from 'xstate';
import { anomalyActions, recover, reject } from './anomalyActions.js';

/** Events of the session machine (the tracker maps webhook event types onto them). */
export const SESSION_MACHINE_EVENTS = [
  'session.created', 'session.started', 'session.ended',
  'operator.joined', 'operator.left',
  'hold', 'resume',
  'av.request', 'av.accepted', 'av.rejected', 'av.terminate',
  'heroCard.shown', 'heroCard.submitted',
  'callScript.shown', 'callScript.submitted',
] as const;
export type SessionMachineEvent = { type: (typeof SESSION_MACHINE_EVENTS)[number] };

const C = 'SessionCreated';
const S = 'SessionStarted';
const E = 'SessionEnded';

export const sessionMachine = setup({
  types: { events: {} as SessionMachineEvent },
  actions: anomalyActions,
}).createMachine({
  id: 'session',
  type: 'parallel',
  states: {
    lifecycle: {
      initial: 'unseen',
      states: {
        /** No lifecycle event yet (activities or refresh signals may have arrived). */
        unseen: {
          on: {
            'session.created': 'created',
            'session.started': recover('started', C),
            'operator.joined': recover('started', C, S),
            'session.ended': recover('ended', C, S),
            'operator.left': recover('ended', C, S, E),
          },
        },
        created: {
          on: {
            'session.started': 'started',
            'operator.joined': recover('started', S),
            'session.ended': recover('ended', S),
            'operator.left': recover('ended', S, E),
          },
        },
        /** In the queue or with operators; the participations tell which. */
        started: {
          on: {
            'session.started': reject('the session has started already'),
            'session.ended': 'ended',
            // Only the operator who clicks End gets OperatorLeft, at the moment the session ends.
            'operator.left': recover('ended', E),
          },
        },
        ended: {
          on: {
            'session.started': reject('SessionStarted after the session ended'),
            'session.ended': reject('the session has ended already'),
            'operator.joined': reject('an operator joined after the session ended'),
          },
        },
      },
    },
    hold: {
      initial: 'off',
      states: {
        off: { on: { hold: 'on', resume: recover('off', 'SessionActivityOnHold') } },
        on: {
          on: {
            resume: 'off',
            hold: recover('on', 'SessionActivityResumeGuest'),
            'session.ended': 'off',
          },
        },
      },
    },
    av: {
      initial: 'idle',
      states: {
        idle: {
          on: {
            'av.request': 'requested',
            'av.accepted': recover('active', 'SessionActivityAvRequest'),
            'av.terminate': recover('idle', 'SessionActivityAvRequest'),
          },
        },
        requested: {
          on: { 'av.accepted': 'active', 'av.rejected': 'idle', 'av.terminate': 'idle', 'session.ended': 'idle' },
        },
        active: {
          on: { 'av.terminate': 'idle', 'session.ended': 'idle', 'av.request': 'requested' },
        },
      },
    },
    heroCard: {
      initial: 'none',
      states: {
        none: { on: { 'heroCard.shown': 'pending', 'heroCard.submitted': recover('none', 'SessionActivityHeroCard') } },
        pending: { on: { 'heroCard.submitted': 'none' } },
      },
    },
    callScript: {
      initial: 'none',
      states: {
        none: { on: { 'callScript.shown': 'pending', 'callScript.submitted': recover('none', 'SessionActivityCallScript') } },
        // The submission legitimately arrives after the session ended (when ACW ends).
        pending: { on: { 'callScript.submitted': 'none' } },
      },
    },
  },
});
