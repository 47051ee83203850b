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
  'session.created', 'session.started', 'session.ended', 'session.endReported',
  'operator.joined', 'operator.left',
  'hold', 'resume',
  'av.request', 'av.accepted', 'av.rejected', 'av.terminate',
  'heroCard.shown', 'heroCard.submitted',
  'callScript.shown', 'callScript.submitted',
  'chatbot.acted', 'forwarded.toQueue',
] as const;
export type SessionMachineEvent = { type: (typeof SESSION_MACHINE_EVENTS)[number] };

const C = 'SessionCreated';
const S = 'SessionStarted';
const E = 'SessionEnded';
const AV_REQUEST = 'SessionActivityAvRequest';

/**
 * The session's end, in every region it closes: an AV call, pending forms. A session ends by
 * the lifecycle SessionEnded or by an activity that reports the end (`session.endReported`).
 */
const ENDS = ['session.ended', 'session.endReported'] as const;
const onEnd = <T extends string>(target: T) => Object.fromEntries(ENDS.map((e) => [e, target])) as Record<(typeof ENDS)[number], T>;

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
            'session.endReported': recover('endReported', C, S),
            'operator.left': recover('ended', C, S, E),
          },
        },
        created: {
          on: {
            'session.started': 'started',
            'operator.joined': recover('started', S),
            'session.ended': recover('ended', S),
            'session.endReported': recover('endReported', S),
            'operator.left': recover('ended', S, E),
          },
        },
        /** In the queue or with operators; the participations tell which. */
        started: {
          on: {
            'session.started': reject('the session has started already'),
            'session.ended': 'ended',
            // The activity SessionEnded ("whenever a session ends, no matter how") or
            // LastFarewellMessage (closed automatically after 24 h in the queue) ends it too.
            'session.endReported': 'endReported',
            // Only the operator who clicks End gets OperatorLeft, at the moment the session ends.
            'operator.left': recover('ended', E),
          },
        },
        /**
         * Ended, as an activity reported; the lifecycle SessionEnded is still due (mluvii may have
         * dropped it). While here, the session has an open missing-transition naming it.
         */
        endReported: {
          meta: { awaits: [E] },
          on: {
            'session.ended': 'ended',
            'session.endReported': {},
            'session.started': reject('SessionStarted after the session ended'),
            'operator.joined': reject('an operator joined after the session ended'),
          },
        },
        ended: {
          on: {
            'session.started': reject('SessionStarted after the session ended'),
            'session.ended': reject('the session has ended already'),
            // The activity reporting an end it already knows (timed just after the lifecycle event).
            'session.endReported': {},
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
            ...onEnd('off'),
          },
        },
      },
    },
    /** An AV call: requested, answered, ended; `finished` remembers a request that has run its course. */
    av: {
      initial: 'idle',
      states: {
        idle: {
          on: {
            'av.request': 'requested',
            'av.accepted': recover('active', AV_REQUEST),
            'av.rejected': recover('finished', AV_REQUEST),
            'av.terminate': recover('finished', AV_REQUEST),
          },
        },
        requested: {
          on: {
            'av.accepted': 'active', 'av.rejected': 'finished', 'av.terminate': 'finished', ...onEnd('finished'),
            // A second request while one is pending: the answer to the first was lost.
            'av.request': recover('requested', 'SessionActivityAvResponse'),
          },
        },
        active: {
          on: { 'av.terminate': 'finished', ...onEnd('finished'), 'av.request': 'requested' },
        },
        /** The last request was answered and its call, if any, is over: a late AvTerminated is expected. */
        finished: {
          on: {
            'av.request': 'requested',
            'av.terminate': {},
            'av.accepted': recover('active', AV_REQUEST),
          },
        },
      },
    },
    /** A hero card shown to the guest; once the session ends it lapses (the guest has gone), a late submission still accepted. */
    heroCard: {
      initial: 'none',
      states: {
        none: { on: { 'heroCard.shown': 'pending', 'heroCard.submitted': recover('none', 'SessionActivityHeroCard') } },
        pending: { on: { 'heroCard.submitted': 'none', ...onEnd('lapsed') } },
        lapsed: { on: { 'heroCard.submitted': 'none', 'heroCard.shown': 'pending' } },
      },
    },
    /**
     * A call script: its submission is sent when after-call work ends, and need not come at all,
     * so once the session ends it no longer counts as pending (`lapsed`) but is still accepted.
     */
    callScript: {
      initial: 'none',
      states: {
        none: { on: { 'callScript.shown': 'pending', 'callScript.submitted': recover('none', 'SessionActivityCallScript') } },
        pending: { on: { 'callScript.submitted': 'none', ...onEnd('lapsed') } },
        lapsed: { on: { 'callScript.submitted': 'none', 'callScript.shown': 'pending' } },
      },
    },
    /**
     * Who holds a session that waits for an operator: the queue, or a chatbot talking to the guest
     * (a chatbot conversation is not a guest waiting). A forward away from the chatbot (to a group,
     * an operator, a phone) puts the guest in the queue.
     */
    queue: {
      initial: 'waiting',
      states: {
        waiting: { on: { 'chatbot.acted': 'chatbot' } },
        chatbot: { on: { 'forwarded.toQueue': 'waiting' } },
      },
    },
  },
});
