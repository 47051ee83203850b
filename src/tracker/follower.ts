/** Following a shared store's log (PostgreSQL): catch up, then apply what is new as it comes. */
import type { SharedEventStore, StoreRecord } from '../store/eventStore.js';
import type { IngestResult } from './types.js';

/** First and longest delay before a failed pump of a shared log is retried. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 10_000;

/**
 * Follows a shared store's log: catches up, then wakes on every notification or poll tick and
 * applies what is new, one pump at a time. `resultOf` resolves when a position has been applied.
 * A failed initial catch-up rejects `ready`; a later failed pump is reported to `failed` and
 * retried after a delay that doubles while failures go on.
 */
export function createFollower(
  store: SharedEventStore,
  apply: (record: StoreRecord) => IngestResult,
  failed: (error: unknown, retryInMs: number) => void,
  /** Called with each page before it is applied (the tracker brings retired streams back). */
  prepare?: (records: readonly StoreRecord[]) => Promise<void>,
) {
  let checkpoint: unknown = null;
  let pumping: Promise<void> | null = null;
  let again = false;
  let stop: (() => Promise<void>) | null = null;
  let closed = false;
  let caughtUp = false;
  let retryMs = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;
  /** Why the last pump failed, until one succeeds. */
  let failure: unknown = null;
  // Results of recently applied positions, for ingests whose append returned after the pump
  // had already applied their record (bounded: old entries are dropped).
  const recent = new Map<number, IngestResult>();
  const waiters = new Map<number, (result: IngestResult) => void>();
  const RECENT_LIMIT = 10_000;
  /** Records read per query. */
  const PAGE = 5000;

  /**
   * Positions applied lately, oldest first. A page is applied before the checkpoint moves past it,
   * so a pump that fails partway reads the page's start again; applying a position twice would
   * put each of those events behind its own first copy. Bounded: re-reads only reach back a page.
   */
  const applied = new Set<number>();
  const APPLIED_LIMIT = 2 * PAGE;

  async function drain(): Promise<void> {
    for (;;) {
      const page = await store.readAfter(checkpoint, PAGE);
      if (prepare !== undefined && page.records.length > 0) await prepare(page.records);
      for (const record of page.records) {
        if (applied.has(record.position)) continue;
        apply(record);
        applied.add(record.position);
        if (applied.size > APPLIED_LIMIT) applied.delete(applied.values().next().value!);
      }
      checkpoint = page.checkpoint;
      if (page.records.length === 0) return;
    }
  }
  function pump(): Promise<void> {
    if (pumping !== null) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again && !closed);
        retryMs = 0;
        failure = null;
      } catch (error) {
        if (!caughtUp) throw error;
        if (!closed) scheduleRetry(error);
      } finally {
        pumping = null;
      }
    })();
    return pumping;
  }
  function scheduleRetry(error: unknown): void {
    failure = error;
    if (retry !== null) return; // a retry is due already (pumps woken meanwhile failed too)
    retryMs = Math.min(retryMs === 0 ? RETRY_FIRST_MS : retryMs * 2, RETRY_MAX_MS);
    failed(error, retryMs);
    retry = setTimeout(() => {
      retry = null;
      if (!closed) void pump();
    }, retryMs);
  }
  const ready = (async () => {
    await pump();
    caughtUp = true;
    stop = await store.watch(() => { if (!closed) void pump(); });
  })();

  return {
    ready,
    /** Where the follower is: everything up to it is folded. */
    checkpoint: () => checkpoint,
    /** Why following fails now, or null. */
    failure: () => failure,
    settle(result: IngestResult) {
      const waiter = waiters.get(result.position);
      if (waiter !== undefined) {
        waiters.delete(result.position);
        waiter(result);
        return;
      }
      recent.set(result.position, result);
      if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value!);
    },
    resultOf(position: number): Promise<IngestResult> {
      const done = recent.get(position);
      if (done !== undefined) {
        recent.delete(position);
        return Promise.resolve(done);
      }
      const result = new Promise<IngestResult>((resolve) => waiters.set(position, resolve));
      void pump().catch(() => undefined); // before catch-up, a failure is `ready`'s to report
      return result;
    },
    async close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      await ready.catch(() => undefined);
      await pumping?.catch(() => undefined);
      await stop?.();
    },
  };
}

export type Follower = ReturnType<typeof createFollower>;
