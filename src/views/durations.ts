/**
 * A session's durations, from its folded state: how long the guest waited, talked, was held, and
 * how long its operators worked after it. Milliseconds; `null` while a figure is not known yet
 * (an interval still open), never guessed from the wall clock. Definitions (docs/kpis.md):
 *
 * - `queueMs`: from the start (SessionStarted, else the first event) to the first operator join,
 *   or to the end for a session nobody answered, less the time a chatbot held it (`chatbotMs`).
 * - `talkMs`: time at least one operator was joined (to their Left, or to their Concluded when
 *   they went straight there: a forward, or another operator ending the session), less hold.
 * - `holdMs`: time on hold.
 * - `afterCallWorkMs`: over every participation, left to concluded.
 * - `handleMs`: talk + hold + after-call work (Amazon Connect's and Genesys Cloud's handle time).
 * - `transfers`: forwards after the first operator joined.
 * - `complete`: false when the stream has open process anomalies (a missing transition was
 *   inferred): a figure built on guessed data is flagged, not hidden.
 */
import { PARTICIPATION_STATE_NAMES } from '../fold/participations.js';
import type { SessionState } from '../fold/sessionFold.js';
import type { SessionDurations } from '../types.js';

const AFTER_CALL_WORK = PARTICIPATION_STATE_NAMES.indexOf('afterCallWork');
const ms = (us: number) => Math.round(us / 1000);

/** Total length of the union of `[from, to]` intervals (µs). */
function unionLength(intervals: [number, number][]): number {
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [from, to] of intervals) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

/**
 * The durations of a session in `state`; `firstTimeUs`: its earliest event time (when
 * SessionStarted is missing); `complete`: whether its stream is free of inferred transitions.
 */
export function getSessionDurations(state: SessionState, firstTimeUs: number | null, complete: boolean): SessionDurations {
  const start = state.startedAt ?? firstTimeUs;
  const talking: [number, number][] = [];
  let firstJoin: number | null = null;
  let stillJoined = false;
  let afterCallWorkUs: number | null = 0;
  for (const p of state.participations) {
    if (p.machine === AFTER_CALL_WORK) afterCallWorkUs = null;
    for (const stint of p.stints) {
      if (stint.joinedAt === null) continue;
      if (firstJoin === null || stint.joinedAt < firstJoin) firstJoin = stint.joinedAt;
      // An operator who forwards the session, or who is not the one ending it, goes from Joined
      // straight to Concluded: their talk ends there, with no after-call work.
      const talkEnd = stint.leftAt ?? stint.concludedAt;
      if (talkEnd === null) stillJoined = true;
      else talking.push([stint.joinedAt, talkEnd]);
      if (afterCallWorkUs !== null && stint.leftAt !== null && stint.concludedAt !== null) afterCallWorkUs += Math.max(0, stint.concludedAt - stint.leftAt);
    }
  }
  const queueEnd = firstJoin ?? state.endedAt;
  const chatbotUs = state.chatbotSince === null ? state.chatbotUs : null;
  const queueMs = start === null || queueEnd === null || chatbotUs === null ? null : ms(Math.max(0, queueEnd - start - chatbotUs));
  const holdMs = state.holdSince === null ? ms(state.holdUs) : null;
  const answered = firstJoin !== null;
  const talkMs = !answered || stillJoined || holdMs === null ? null : Math.max(0, ms(unionLength(talking)) - holdMs);
  const afterCallWorkMs = answered && afterCallWorkUs !== null && !stillJoined ? ms(afterCallWorkUs) : null;
  const handleMs = talkMs === null || holdMs === null || afterCallWorkMs === null ? null : talkMs + holdMs + afterCallWorkMs;
  const transfers = firstJoin === null ? 0 : state.forwards.filter((f) => f.at !== null && f.at > firstJoin!).length;
  return {
    queueMs, chatbotMs: queueEnd === null || chatbotUs === null ? null : ms(chatbotUs),
    talkMs, holdMs, afterCallWorkMs, handleMs, transfers, complete,
  };
}
