/**
 * An e-mail thread: unassigned <-> assigned. Created, then an operator joins (accepts it from the
 * queue) and leaves (replied, returned to the queue or ignored), maybe joined again. Forwarded
 * comes with an OperatorLeft. There is no closing event.
 */
import { setup } from 'xstate';
import { anomalyActions, recover, reject } from './anomalyActions.js';

export const EMAIL_THREAD_MACHINE_EVENTS = ['created', 'joined', 'left', 'forwarded'] as const;
export type EmailThreadMachineEvent = { type: (typeof EMAIL_THREAD_MACHINE_EVENTS)[number] };

const CREATED = 'EmailThreadCreated';

export const emailThreadMachine = setup({
  types: { events: {} as EmailThreadMachineEvent },
  actions: anomalyActions,
}).createMachine({
  id: 'emailThread',
  initial: 'unseen',
  states: {
    unseen: {
      on: {
        created: 'unassigned',
        joined: recover('assigned', CREATED),
        left: recover('unassigned', CREATED, 'EmailThreadOperatorJoined'),
        forwarded: recover('forwarded', CREATED),
      },
    },
    unassigned: {
      on: {
        joined: 'assigned',
        left: recover('unassigned', 'EmailThreadOperatorJoined'),
        created: reject('the thread was created already'),
      },
    },
    assigned: {
      on: {
        left: 'unassigned',
        forwarded: 'forwarded',
        joined: recover('assigned', 'EmailThreadOperatorLeft'),
        created: reject('the thread was created already'),
      },
    },
    /** Forwarded away, unassigned; the OperatorLeft that comes with a forward is expected here. */
    forwarded: {
      on: {
        left: 'unassigned',
        joined: 'assigned',
        forwarded: 'forwarded',
        created: reject('the thread was created already'),
      },
    },
  },
});
