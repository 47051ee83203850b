/**
 * Public views built from folded state: fresh plain objects, deep-frozen with immer, so a caller
 * can neither corrupt tracker state nor see it change under its feet.
 */
import { freeze } from 'immer';
import { formatTimestampUs } from '../catalogue/timestamp.js';
import type { StreamFold } from '../fold/streamFold.js';
import { PARTICIPATION_STATE_NAMES } from '../fold/participations.js';
import { isAbandoned, sessionFacts, type SessionState } from '../fold/sessionFold.js';
import { EMAIL_THREAD_STATE_NAMES, type EmailThreadState } from '../fold/emailThreadFold.js';
import type { PresenceState } from '../fold/presenceFold.js';
import { getSessionDurations } from './durations.js';
import type {
  OperatorSessionWork,
  EmailThreadStatus, EmailThreadView, OperatorView, ParticipationStatus, ParticipationView, SessionView,
} from '../types.js';

/** µs to the views' ISO-8601 form; `null` stays `null`. */
export const iso = (us: number | null): string | null => (us === null || !Number.isFinite(us) ? null : formatTimestampUs(us));

const PARTICIPATION_STATUS: Record<string, ParticipationStatus> = {
  invited: 'invited', joined: 'joined', afterCallWork: 'after-call-work', concluded: 'concluded', rejected: 'rejected', canceled: 'canceled', expired: 'expired',
};

export function buildSessionView(id: number, state: SessionState, stream: StreamFold<SessionState>, eventCount = stream.length): SessionView {
  const facts = sessionFacts(state);
  const operators: ParticipationView[] = [];
  for (const p of state.participations) {
    const status = PARTICIPATION_STATUS[PARTICIPATION_STATE_NAMES[p.machine]!];
    if (status === undefined) continue; // 'none': nothing happened to this operator yet
    const stints = p.stints.map((stint) => ({ joinedAt: iso(stint.joinedAt), leftAt: iso(stint.leftAt), concludedAt: iso(stint.concludedAt) }));
    const current = stints.at(-1);
    operators.push({
      userId: p.userId, status, since: iso(p.since), invitedAt: iso(p.invitedAt),
      joinedAt: current?.joinedAt ?? null, leftAt: current?.leftAt ?? null, concludedAt: current?.concludedAt ?? null, stints,
    });
  }
  return freeze({
    id,
    tenantId: state.tenantId,
    channel: state.channel,
    source: state.source,
    status: state.status,
    statusSince: iso(state.statusSince),
    abandoned: isAbandoned(state),
    queue: state.status === 'queued' ? { heldBy: facts.heldBy, waitingSince: iso(state.waitingSince), groupId: state.queueGroupId } : null,
    operators,
    chatbotIds: [...state.chatbotIds],
    onHold: facts.onHold,
    onHoldSince: iso(state.holdSince),
    avActive: facts.avActive,
    avSince: iso(state.avSince),
    forwards: state.forwards.map((f) => ({ at: iso(f.at), to: f.to, from: f.from, reportedBy: [...f.reportedBy] })),
    terminationReason: state.terminationReason,
    pendingForms: [...facts.pendingForms],
    createdAt: iso(stream.firstTime()),
    startedAt: iso(state.startedAt),
    endedAt: iso(state.endedAt),
    closedAt: iso(state.closedAt),
    lastEventAt: iso(state.lastTime),
    eventCount,
    durations: getSessionDurations(state, stream.firstTime(), isSessionComplete(state, stream)),
  }, true);
}

/** Whether no transition of the session was inferred: no missing-transition, raised or awaited. */
export function isSessionComplete(state: SessionState, stream: StreamFold<SessionState>): boolean {
  if ((stream.folder.awaits?.(state).length ?? 0) > 0) return false;
  for (const list of stream.anomalies?.values() ?? []) if (list.some((a) => a.kind === 'missing-transition')) return false;
  return true;
}

/** Public status of a thread: `forwarded` (awaiting its companion Left) counts as unassigned. */
export const emailThreadStatus = (state: EmailThreadState): EmailThreadStatus =>
  EMAIL_THREAD_STATE_NAMES[state.machine] === 'assigned' ? 'assigned' : 'unassigned';

export function buildEmailThreadView(id: number, state: EmailThreadState, eventCount: number): EmailThreadView {
  return freeze({
    id, tenantId: state.tenantId, status: emailThreadStatus(state), operatorUserId: state.operatorUserId,
    createdAt: iso(state.createdAt), forwardCount: state.forwardCount, eventCount,
  }, true);
}

export interface OperatorWork {
  readonly activeSessionIds: number[];
  readonly afterCallWorkSessionIds: number[];
  readonly assignedEmailThreadIds: number[];
  readonly sessions: OperatorSessionWork[];
}

/** `statusSince`: receive time (epoch ms) of the first delivery of the current status, or null. */
export function buildOperatorView(userId: number, presence: PresenceState | null, work: OperatorWork, statusSince: number | null = null): OperatorView {
  return freeze({
    userId,
    status: presence?.status ?? null,
    statusSince: statusSince === null ? null : new Date(statusSince).toISOString(),
    availability: presence?.availability ?? null,
    availabilityReason: presence?.availabilityReason ?? null,
    ...work,
  }, true);
}
