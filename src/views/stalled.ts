/**
 * `stalled`: something open for too long relative to the tracker's clock. A function of the
 * folded state and the clock, so it appears and disappears as time and events move.
 */
import type { SessionState } from '../fold/sessionFold.js';
import { PARTICIPATION_STATE_NAMES } from '../fold/participations.js';
import type { StalledWhat } from '../types.js';

/** Thresholds in milliseconds. */
export type StalledThresholds = Record<StalledWhat, number>;

const MINUTE = 60_000;
/**
 * Defaults: a guest waiting 10 min in the queue, a session active for 2 h (async channels such
 * as WhatsApp may legitimately stay open longer: raise it for them), after-call work over 15 min,
 * a guest on hold over 10 min, an invite unanswered for 5 min.
 */
export const DEFAULT_STALLED_THRESHOLDS: StalledThresholds = {
  queued: 10 * MINUTE,
  active: 120 * MINUTE,
  'after-call-work': 15 * MINUTE,
  'on-hold': 10 * MINUTE,
  'invite-pending': 5 * MINUTE,
};

export interface StalledFinding { readonly what: StalledWhat; readonly sinceUs: number; readonly thresholdMs: number; readonly userId?: number }

const INVITED = PARTICIPATION_STATE_NAMES.indexOf('invited');
const AFTER_CALL_WORK = PARTICIPATION_STATE_NAMES.indexOf('afterCallWork');

/**
 * What of this session is stalled at `nowUs`. A queued session is judged on the guest's waiting
 * time only (a chatbot conversation is not waiting); after-call work per operator, from when that
 * operator left (one may sit in ACW while another is still in the session).
 */
export function findStalled(state: SessionState, nowUs: number, thresholds: StalledThresholds): StalledFinding[] {
  const found: StalledFinding[] = [];
  const check = (what: StalledWhat, sinceUs: number | null, userId?: number) => {
    const thresholdMs = thresholds[what];
    if (sinceUs !== null && nowUs - sinceUs > thresholdMs * 1000) found.push({ what, sinceUs, thresholdMs, ...(userId === undefined ? {} : { userId }) });
  };
  if (state.status === 'queued') check('queued', state.waitingSince);
  if (state.status === 'active') check('active', state.statusSince);
  check('on-hold', state.holdSince);
  for (const p of state.participations) {
    if (p.machine === INVITED) check('invite-pending', p.invitedAt, p.userId);
    else if (p.machine === AFTER_CALL_WORK) check('after-call-work', p.since, p.userId);
  }
  return found;
}
