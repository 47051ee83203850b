/**
 * The asynchronous look-ups: like the synchronous queries (queries.ts), but they reach retired
 * entities too, bringing them back from the store (history.ts) or reading the store's archive of
 * final views. The synchronous queries serve what is in memory: every open entity, and finished
 * ones for `retainFor` after their last event.
 */
import { isSignalOnly, type SessionState } from '../fold/sessionFold.js';
import type { ArchivedView, HistoryStore } from '../store/eventStore.js';
import type { EmailThreadView, OperatorView, SessionView, StreamId } from '../types.js';
import type { History } from './history.js';
import { entityIdOf, type AnyStream, type Picture } from './picture.js';
import type { Queries } from './queries.js';
import type { SessionHistoryFilter, TimelineItem } from './types.js';

const closedWithin = (view: SessionView, from: number, to: number): boolean => {
  const closed = view.closedAt === null ? NaN : Date.parse(view.closedAt);
  return closed >= from && closed < to;
};

export function createHistoryQueries(picture: Picture, queries: Queries, history: History | null, store: HistoryStore | null) {
  /** Makes sure `id` is in memory if it exists at all. */
  const bringBack = async (id: StreamId): Promise<void> => {
    if (history !== null) await history.bringBack(id);
  };

  return {
    /** The view of session `id`, brought back from the store if it retired; null if never seen. */
    async findSession(id: number): Promise<SessionView | null> {
      await bringBack(`session:${id}`);
      return queries.session(id);
    },

    /** The view of e-mail thread `id`, brought back from the store if it retired. */
    async findEmailThread(id: number): Promise<EmailThreadView | null> {
      await bringBack(`email:${id}`);
      return queries.emailThread(id);
    },

    /** The view of operator `userId`, their presence brought back from the store if it retired. */
    async findOperator(userId: number): Promise<OperatorView | null> {
      await bringBack(`operator:${userId}`);
      return queries.operator(userId);
    },

    /** The timeline of `stream`, brought back from the store if it retired. */
    async findTimeline(stream: StreamId): Promise<TimelineItem[]> {
      await bringBack(stream);
      return queries.timeline(stream);
    },

    /**
     * Sessions in memory or archived that match `filter`, with `closedFrom` / `closedTo` (epoch
     * ms or ISO) bounding their close time; in id order, paged like `sessions`.
     */
    async findSessions(filter: SessionHistoryFilter = {}): Promise<SessionView[]> {
      const from = filter.closedFrom === undefined ? -Infinity : new Date(filter.closedFrom).getTime();
      const to = filter.closedTo === undefined ? Infinity : new Date(filter.closedTo).getTime();
      const bounded = filter.closedFrom !== undefined || filter.closedTo !== undefined;
      const { after, limit, ...rest } = filter;
      const hot = queries.sessions(rest).filter((view) => !bounded || closedWithin(view, from, to));
      const seen = new Set(hot.map((view) => view.id));
      const archived = store?.archived === undefined ? [] : await store.archived({
        prefix: 'session:', ...(bounded ? { closedFrom: from, closedTo: to } : {}),
      });
      const found = [...hot];
      for (const entry of archived) {
        const view = entry.view as SessionView;
        // An archived entity back in memory answers from memory.
        if (seen.has(view.id) || picture.streams.has(entry.stream)) continue;
        if (queries.matchesSession(view, rest)) found.push(view);
      }
      found.sort((a, b) => a.id - b.id);
      const start = after === undefined ? 0 : found.findIndex((view) => view.id > after);
      const page = start < 0 ? [] : found.slice(start);
      return limit === undefined ? page : page.slice(0, Math.max(0, limit));
    },

    /** What the archive keeps of a retiring stream (nothing of a session known only from signals). */
    archivedViewOf(stream: AnyStream): ArchivedView[] {
      const id = entityIdOf(stream.id);
      if (stream.id.startsWith('session:') && isSignalOnly(stream.state as SessionState)) return [];
      const view = stream.id.startsWith('session:') ? queries.session(id)
        : stream.id.startsWith('email:') ? queries.emailThread(id) : queries.operator(id);
      const fields = (view ?? {}) as { status?: string | null; tenantId?: number | null; closedAt?: string | null };
      return [{ stream: stream.id, status: fields.status ?? null, tenantId: fields.tenantId ?? null, closedAt: fields.closedAt ?? null, view }];
    },
  };
}

export type HistoryQueries = ReturnType<typeof createHistoryQueries>;
