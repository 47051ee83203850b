/**
 * One operator's participation in one session: invited -> joined -> after-call work -> concluded,
 * invited -> rejected | canceled | expired. Joined -> concluded directly is legal: when several
 * operators are in a session only one gets SessionOperatorLeft, and forwarding away concludes at
 * once. An invitation still pending when the session ends expires (`session.ended`).
 */
import { setup } from 'xstate';
import { anomalyActions, recover, reject } from './anomalyActions.js';

export const PARTICIPATION_MACHINE_EVENTS = ['invited', 'joined', 'left', 'concluded', 'rejected', 'canceled', 'session.ended'] as const;
export type ParticipationMachineEvent = { type: (typeof PARTICIPATION_MACHINE_EVENTS)[number] };

const JOINED = 'SessionOperatorJoined';
const INVITED = 'SessionActivityOperatorInvited';
const CONCLUDED = 'SessionOperatorConcluded';

export const participationMachine = setup({
  types: { events: {} as ParticipationMachineEvent },
  actions: anomalyActions,
}).createMachine({
  id: 'participation',
  initial: 'none',
  states: {
    /** Nothing seen for this operator in this session yet. */
    none: {
      on: {
        invited: 'invited',
        joined: 'joined',
        left: recover('afterCallWork', JOINED),
        concluded: recover('concluded', JOINED),
        rejected: recover('rejected', INVITED),
        canceled: recover('canceled', INVITED),
      },
    },
    invited: {
      on: {
        joined: 'joined',
        rejected: 'rejected',
        canceled: 'canceled',
        'session.ended': 'expired',
        left: recover('afterCallWork', JOINED),
        concluded: recover('concluded', JOINED),
      },
    },
    joined: {
      on: {
        left: 'afterCallWork',
        concluded: 'concluded',
        joined: recover('joined', CONCLUDED),
        rejected: reject('rejected an invite while in the session'),
        canceled: reject('invite canceled while the operator is in the session'),
      },
    },
    afterCallWork: {
      on: {
        concluded: 'concluded',
        left: reject('left twice'),
        joined: recover('joined', CONCLUDED),
      },
    },
    concluded: {
      on: {
        joined: 'joined',
        invited: 'invited',
        left: reject('left after concluding'),
        concluded: reject('concluded twice'),
      },
    },
    rejected: { on: { invited: 'invited', joined: 'joined', rejected: reject('rejected twice') } },
    canceled: { on: { invited: 'invited', joined: 'joined', canceled: reject('canceled twice') } },
    /** Never answered before the session ended (unless its Joined was lost: Left or Concluded say so). */
    expired: {
      on: {
        invited: 'invited',
        joined: 'joined',
        left: recover('afterCallWork', JOINED),
        concluded: recover('concluded', JOINED),
      },
    },
  },
});
