/**
 * The synchronous queries of a tracker over its picture: views of sessions, operators and e-mail
 * threads, listings with filters and pages, anomalies (stalled ones judged against the clock),
 * timelines and stats.
 */
import { freeze } from 'immer';
import { formatTimestampUs } from '../catalogue/timestamp.js';
import type { EmailThreadState } from '../fold/emailThreadFold.js';
import type { PresenceState } from '../fold/presenceFold.js';
import { findParticipation, PARTICIPATION_STATE_NAMES, takesPart } from '../fold/participations.js';
import { isSignalOnly, type SessionState } from '../fold/sessionFold.js';
import type { StreamFold } from '../fold/streamFold.js';
import { findStalled, type StalledThresholds } from '../views/stalled.js';
import { buildEmailThreadView, buildOperatorView, buildSessionView, emailThreadStatus, iso } from '../views/views.js';
import type { OperatorSessionWork, Anomaly, AnomalyKind, EmailThreadStatus, EmailThreadView, OperatorView, SessionStatus, SessionView, StreamId } from '../types.js';
import type { RetiredCounts } from './retirement.js';
import { awaitedAnomaly, awaitedBy, entityIdOf, NONE, SEVERITY, type AnyStream, type Picture } from './picture.js';
import type { AnomalyFilter, EmailThreadFilter, OperatorFilter, PageFilter, SessionFilter, TimelineItem, TrackerStats } from './types.js';

/**
 * The page `filter` asks for of `items` with their ids: sorted by id, after `after`, at most
 * `limit`; views are built for the page only.
 */
function page<T>(items: T[], idOf: (item: T) => number, filter: PageFilter): T[] {
  items.sort((a, b) => idOf(a) - idOf(b));
  let from = 0;
  if (filter.after !== undefined) while (from < items.length && idOf(items[from]!) <= filter.after) from++;
  return items.slice(from, filter.limit === undefined ? undefined : from + Math.max(0, filter.limit));
}

const wants = <T>(filter: T | readonly T[] | undefined, value: T): boolean =>
  filter === undefined || (Array.isArray(filter) ? (filter as readonly T[]).includes(value) : filter === value);

const byNumber = (a: number, b: number) => a - b;

export function createQueries(picture: Picture, clock: () => number, thresholds: StalledThresholds, retired: RetiredCounts) {
  const { streams, operatorSessions, operatorEmails, deliveryAnomalies, anomalous } = picture;

  const sessionView = (stream: AnyStream): SessionView =>
    buildSessionView(entityIdOf(stream.id), stream.state as SessionState, stream as StreamFold<SessionState>);
  const emailView = (stream: AnyStream): EmailThreadView =>
    buildEmailThreadView(entityIdOf(stream.id), stream.state as EmailThreadState, stream.length);

  /**
   * Whether operator `userId` takes part in session `stream` (a participation its machine
   * accepted). The index of operators' sessions grows by every event naming them; an event the
   * machines reject (a join after the end) names them without making them take part.
   */
  const participatesIn = (stream: AnyStream, userId: number): boolean => takesPart(stream.state as SessionState, userId);

  /**
   * When an operator's current status began: the receive time of the first of the latest run of
   * deliveries reporting it (UserStatusChanged has no time of its own; they fold in arrival order).
   */
  function statusSinceOf(stream: AnyStream): number | null {
    const current = (stream.state as PresenceState).status;
    let since: number | null = null;
    for (let i = stream.slots.length - 1; i >= 0; i--) {
      const slot = stream.slots[i]!;
      const event = picture.log.event(slot);
      if (event.eventType !== 'UserStatusChanged') continue;
      if ((event.data as { status?: unknown }).status !== current) break;
      since = picture.log.receivedAt(slot);
    }
    return since;
  }

  function operatorView(userId: number): OperatorView {
    const activeSessionIds: number[] = [];
    const afterCallWorkSessionIds: number[] = [];
    const sessions: OperatorSessionWork[] = [];
    for (const stream of operatorSessions.get(userId) ?? NONE) {
      const p = findParticipation(stream.state as SessionState, userId);
      const name = p === undefined ? null : PARTICIPATION_STATE_NAMES[p.machine];
      const sessionId = entityIdOf(stream.id);
      if (name === 'joined') activeSessionIds.push(sessionId);
      else if (name === 'afterCallWork') afterCallWorkSessionIds.push(sessionId);
      else continue;
      sessions.push({ sessionId, status: name === 'joined' ? 'joined' : 'after-call-work', since: iso(p!.since) });
    }
    const assignedEmailThreadIds: number[] = [];
    for (const stream of operatorEmails.get(userId) ?? NONE) {
      const state = stream.state as EmailThreadState;
      if (emailThreadStatus(state) === 'assigned' && state.operatorUserId === userId) assignedEmailThreadIds.push(entityIdOf(stream.id));
    }
    for (const threadId of retired.assignedEmailThreads.get(userId) ?? NONE) assignedEmailThreadIds.push(threadId);
    const presenceStream = streams.get(`operator:${userId}`);
    return buildOperatorView(userId, (presenceStream?.state ?? null) as PresenceState | null, {
      activeSessionIds: activeSessionIds.sort(byNumber),
      afterCallWorkSessionIds: afterCallWorkSessionIds.sort(byNumber),
      assignedEmailThreadIds: assignedEmailThreadIds.sort(byNumber),
      sessions: sessions.sort((a, b) => a.sessionId - b.sessionId),
    }, presenceStream === undefined ? null : statusSinceOf(presenceStream));
  }

  /** Operators the hot set makes known (`withRetired`: and those known from retired streams). */
  function knownOperatorIds(withRetired = false): number[] {
    const ids = new Set<number>(operatorEmails.keys());
    if (withRetired) for (const id of retired.operators) ids.add(id);
    for (const [userId, sessionStreams] of operatorSessions) if (sessionStreams.some((stream) => participatesIn(stream, userId))) ids.add(userId);
    for (const id of streams.keys()) if (id.startsWith('operator:')) ids.add(entityIdOf(id));
    return [...ids].sort(byNumber);
  }

  /** `stalled` anomalies of every session, judged against the clock now. */
  function stalledAnomalies(): Anomaly[] {
    const nowUs = clock() * 1000;
    const found: Anomaly[] = [];
    for (const stream of streams.values()) {
      if (!stream.id.startsWith('session:')) continue;
      for (const s of findStalled(stream.state as SessionState, nowUs, thresholds)) {
        const who = s.userId === undefined ? '' : ` (operator ${s.userId})`;
        found.push(freeze({
          kind: 'stalled', severity: SEVERITY.stalled, stream: stream.id, eventType: null,
          message: `${s.what}${who} for longer than ${Math.round(s.thresholdMs / 60_000)} min`,
          position: null, source: null, time: null,
          stalled: { what: s.what, since: formatTimestampUs(s.sinceUs), thresholdMs: s.thresholdMs },
        }, true));
      }
    }
    return found;
  }

  function allAnomalies(): Anomaly[] {
    const process: Anomaly[] = [];
    for (const stream of anomalous) {
      for (const [slot, list] of stream.anomalies ?? []) for (const a of list) process.push(picture.processAnomaly(slot, a));
    }
    for (const stream of streams.values()) {
      const awaited = awaitedBy(stream);
      if (awaited.length > 0) process.push(awaitedAnomaly(stream, awaited));
    }
    // A total order: anomalies without a position (a state's, a stall) would otherwise follow the
    // order streams entered memory, which a stream read back from the store changes.
    return [...deliveryAnomalies, ...process, ...stalledAnomalies()]
      .sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity) || a.kind.localeCompare(b.kind)
        || (a.stream ?? '').localeCompare(b.stream ?? '') || a.message.localeCompare(b.message));
  }

  return {
    stalledAnomalies,

    /** Each operator `operators()` lists: presence status, and whether joined or in after-call work somewhere (no views built). */
    operatorActivity(): { status: string | null; talking: boolean; afterCallWork: boolean }[] {
      return knownOperatorIds().map((userId) => {
        let talking = false;
        let afterCallWork = false;
        for (const stream of operatorSessions.get(userId) ?? NONE) {
          const p = findParticipation(stream.state as SessionState, userId);
          const name = p === undefined ? null : PARTICIPATION_STATE_NAMES[p.machine];
          if (name === 'joined') talking = true;
          else if (name === 'afterCallWork') afterCallWork = true;
        }
        const presence = streams.get(`operator:${userId}`)?.state as PresenceState | undefined;
        return { status: presence?.status ?? null, talking, afterCallWork };
      });
    },

    /** Whether a session's view answers a listing's filter (an archived view, which has no stream). */
    matchesSession(view: SessionView, filter: SessionFilter): boolean {
      return wants(filter.status, view.status)
        && (filter.tenantId === undefined || view.tenantId === filter.tenantId)
        && (filter.channel === undefined || view.channel === filter.channel)
        && (filter.operator === undefined || view.operators.some((p) => p.userId === filter.operator));
    },

    session(id: number): SessionView | null {
      const stream = streams.get(`session:${id}`);
      return stream === undefined ? null : sessionView(stream);
    },

    sessions(filter: SessionFilter = {}): SessionView[] {
      const candidates = filter.operator === undefined ? streams.values() : operatorSessions.get(filter.operator) ?? NONE;
      const matching: AnyStream[] = [];
      for (const stream of candidates) {
        if (!stream.id.startsWith('session:')) continue;
        if (filter.operator !== undefined && !participatesIn(stream, filter.operator)) continue;
        const state = stream.state as SessionState;
        if (isSignalOnly(state) || !wants(filter.status, state.status)) continue;
        if (filter.tenantId !== undefined && state.tenantId !== filter.tenantId) continue;
        if (filter.channel !== undefined && state.channel !== filter.channel) continue;
        matching.push(stream);
      }
      return page(matching, (stream) => entityIdOf(stream.id), filter).map(sessionView);
    },

    operator(userId: number): OperatorView | null {
      const known = (operatorSessions.get(userId) ?? NONE).some((stream) => participatesIn(stream, userId)) || operatorEmails.has(userId)
        || streams.has(`operator:${userId}`) || retired.operators.has(userId);
      return known ? operatorView(userId) : null;
    },

    operators(filter: OperatorFilter = {}): OperatorView[] {
      const views = knownOperatorIds().map(operatorView).filter((o) =>
        (filter.status === undefined || o.status === filter.status)
        && (filter.availability === undefined || o.availability === filter.availability)
        && (filter.inAfterCallWork === undefined || (o.afterCallWorkSessionIds.length > 0) === filter.inAfterCallWork));
      return page(views, (o) => o.userId, filter);
    },

    emailThread(id: number): EmailThreadView | null {
      const stream = streams.get(`email:${id}`);
      return stream === undefined ? null : emailView(stream);
    },

    emailThreads(filter: EmailThreadFilter = {}): EmailThreadView[] {
      const views: EmailThreadView[] = [];
      for (const stream of streams.values()) {
        if (!stream.id.startsWith('email:')) continue;
        const view = emailView(stream);
        if (filter.status !== undefined && view.status !== filter.status) continue;
        if (filter.operator !== undefined && view.operatorUserId !== filter.operator) continue;
        if (filter.tenantId !== undefined && view.tenantId !== filter.tenantId) continue;
        views.push(view);
      }
      return page(views, (view) => view.id, filter);
    },

    anomalies(filter: AnomalyFilter = {}): Anomaly[] {
      return allAnomalies().filter((a) =>
        wants(filter.kind, a.kind)
        && (filter.severity === undefined || a.severity === filter.severity)
        && (filter.stream === undefined || a.stream === filter.stream)
        && (filter.sincePosition === undefined || (a.position ?? Infinity) >= filter.sincePosition));
    },

    timeline(streamId: StreamId): TimelineItem[] {
      const stream = streams.get(streamId);
      if (stream === undefined) return [];
      const { log } = picture;
      const delivery = deliveryAnomalies.filter((a) => a.stream === streamId);
      const items: TimelineItem[] = [];
      let count = 0;
      for (const { slot, event, state } of stream.replay()) {
        count++;
        const position = log.position(slot);
        const viewState = stream.id.startsWith('session:')
          ? buildSessionView(entityIdOf(stream.id), state as SessionState, stream as StreamFold<SessionState>, count)
          : stream.id.startsWith('email:') ? buildEmailThreadView(entityIdOf(stream.id), state as EmailThreadState, count)
          : stream.id.startsWith('operator:') ? buildOperatorView(entityIdOf(stream.id), state as PresenceState, { activeSessionIds: [], afterCallWorkSessionIds: [], assignedEmailThreadIds: [], sessions: [] })
          : null;
        items.push(freeze({
          position, source: log.source(slot), eventType: event.eventType, time: iso(event.time), receivedAt: new Date(log.receivedAt(slot)).toISOString(),
          anomalies: [...(stream.anomaliesOf(slot) ?? []).map((a) => picture.processAnomaly(slot, a, event)), ...delivery.filter((a) => a.position === position)],
          state: viewState,
        }, true));
      }
      return items;
    },

    stats(): TrackerStats {
      const sessionsByStatus: Record<SessionStatus, number> = { created: 0, queued: 0, active: 0, ended: 0, 'after-call-work': 0, closed: 0 };
      const emailThreadsByStatus: Record<EmailThreadStatus, number> = { unassigned: 0, assigned: 0 };
      let signalOnlySessions = 0;
      // Counted, not built: /metrics asks for this on every scrape.
      const counted: Partial<Record<AnomalyKind, number>> = {};
      const count = (kind: AnomalyKind, n = 1) => { counted[kind] = (counted[kind] ?? 0) + n; };
      const nowUs = clock() * 1000;
      for (const stream of streams.values()) {
        if (awaitedBy(stream).length > 0) count('missing-transition');
        if (stream.id.startsWith('session:')) {
          const state = stream.state as SessionState;
          if (isSignalOnly(state)) signalOnlySessions++;
          else sessionsByStatus[state.status]++;
          count('stalled', findStalled(state, nowUs, thresholds).length);
        } else if (stream.id.startsWith('email:')) emailThreadsByStatus[emailThreadStatus(stream.state as EmailThreadState)]++;
      }
      for (const a of deliveryAnomalies) count(a.kind);
      // Retired streams count as they were when they left memory.
      for (const [kind, n] of Object.entries(retired.anomaliesByKind)) count(kind as AnomalyKind, n);
      signalOnlySessions += retired.signalOnlySessions;
      for (const status of Object.keys(sessionsByStatus) as SessionStatus[]) sessionsByStatus[status] += retired.sessionsByStatus[status];
      for (const status of Object.keys(emailThreadsByStatus) as EmailThreadStatus[]) emailThreadsByStatus[status] += retired.emailThreadsByStatus[status];
      for (const stream of anomalous) for (const list of stream.anomalies?.values() ?? []) for (const a of list) count(a.kind);
      const anomaliesByKind: Partial<Record<AnomalyKind, number>> = {};
      for (const kind of Object.keys(SEVERITY) as AnomalyKind[]) if ((counted[kind] ?? 0) > 0) anomaliesByKind[kind] = counted[kind]!;
      const { counts } = picture;
      return freeze({
        deliveries: counts.deliveries, applied: counts.applied, duplicates: counts.duplicates, rejected: counts.rejected,
        unknown: counts.unknown, streams: streams.size + retired.streams, sessionsByStatus, emailThreadsByStatus,
        operators: knownOperatorIds(true).length, signalOnlySessions, anomaliesByKind, refoldedEvents: counts.refolded,
      }, true);
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
