/**
 * A PostgreSQL event store shared by any number of tracker processes.
 *
 * Schema (created by the library, versioned in `<schema>.migrations`): one table `log` holds
 * every delivery (events, dead letters, re-deliveries), numbered by a global `position`
 * (bigserial) and stamped with the inserting transaction's id (`tx`, xid8).
 *
 * - Idempotent appends: a partial unique index on `identity` (events only). A retried webhook
 *   hitting two receivers at once is stored once; the loser's insert does nothing and it records
 *   a re-delivery instead. No read-then-write race.
 * - Stream version: the view `events` numbers each stream's events in log order
 *   (`row_number()`), rather than each insert claiming `max + 1`: the tracker never checks an
 *   expected version before appending (it accepts every valid event and orders by event time),
 *   so there is nothing for optimistic concurrency to protect, and claiming versions made
 *   concurrent appends to one session wait on each other's commit and retry (8x slower at 64
 *   in flight, measured). Dead letters are in the view `dead_letters`.
 * - The gap problem: a transaction that commits late can own a lower position than rows already
 *   read, and a reader going by position alone would skip it. Readers therefore consume the log
 *   in `(tx, position)` order and only rows with `tx < pg_snapshot_xmin(pg_current_snapshot())`:
 *   every transaction below that horizon has finished, and any row that becomes visible later
 *   has a larger `tx`, so it sorts after everything read. All processes see the same order.
 * - Following: appends `NOTIFY` a channel; followers `LISTEN` and also poll (default every
 *   500 ms) in case a notification is missed.
 * - Batching: event appends issued together are inserted by one multi-row statement (one commit,
 *   one WAL flush); rows keep the order the appends were issued in. An identity that is already
 *   stored, or repeated within the batch, becomes a re-delivery as with single appends. If the
 *   batch statement fails, each row is tried on its own, so one bad row never fails the others.
 * - Failure: a lost connection (the database restarted, `pg_terminate_backend`, a failover, an
 *   idle timeout) never ends the process. Appends reject with `StoreUnavailableError` while the
 *   database is unreachable; `health()` says so; the LISTEN connection is re-opened with backoff
 *   and followers catch up when the database is back (polling covers the gap meanwhile).
 */
import pg from 'pg';
import { getIdentity, sameContent } from '../catalogue/identity.js';
import type { StreamId } from '../types.js';
import { encodeRawBody } from './rawBody.js';
import { StoreUnavailableError, type ArchivedView, type ArchiveQuery, type NewStoreRecord, type SharedEventStore, type StoreHealth, type StoreRecord } from './eventStore.js';
import { redactSecrets } from './redact.js';
import { listen } from './postgresListener.js';
import { createPostgresHistory, type LogCheckpoint } from './postgresHistory.js';
import { eventOf, toRecord, type Row } from './postgresRows.js';
import { migrate, quote } from './postgresSchema.js';

export type { LogCheckpoint } from './postgresHistory.js';

export { migrations } from './postgresSchema.js';

export interface PostgresStoreOptions {
  /** `postgres://` / `postgresql://` URL; or give `pool`. */
  readonly url?: string;
  readonly pool?: pg.Pool;
  /** Schema holding the tables; default `mluvii_state`. */
  readonly schema?: string;
  /** Poll interval of followers, in case a NOTIFY is missed. Default 500 ms. */
  readonly pollMs?: number;
  /**
   * Batch event appends: appends issued in the same turn of the event loop (concurrent webhook
   * requests) become one multi-row INSERT and one commit. Default true.
   */
  readonly batch?: boolean;
}


export interface PostgresStore extends SharedEventStore<LogCheckpoint> {
  readStream(stream: StreamId, through?: LogCheckpoint | null): Promise<StoreRecord[]>;
  archive(views: readonly ArchivedView[]): Promise<void>;
  archived(query: ArchiveQuery): Promise<ArchivedView[]>;
  /** The whole readable log, in log order. */
  read(): AsyncIterable<StoreRecord>;
  /** Whether the database answers now (a `SELECT 1`, bounded in time). */
  health(): Promise<StoreHealth>;
  /** Ends the pool if the store created it. */
  close(): Promise<void>;
}

/** How long a connection attempt may take (own pool), and a health probe. */
const CONNECT_TIMEOUT_MS = 5_000;

/** An append that failed for the database's sake, as the tracker and receiver expect it. */
const unavailable = (error: unknown): StoreUnavailableError =>
  error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`PostgreSQL store: ${redactSecrets((error as Error).message)}`, { cause: error });

export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? 'mluvii_state';
  const s = quote(schema);
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.url, max: 20, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle pooled connection that the server drops emits 'error' on the pool: without a
  // listener that is an uncaught exception. The next query opens a new connection.
  const onPoolError = () => undefined;
  pool.on('error', onPoolError);
  try {
    await migrate(pool, schema);
  } catch (error) {
    pool.off('error', onPoolError);
    if (ownPool) await pool.end().catch(() => undefined);
    throw new Error(redactSecrets((error as Error).message), { cause: error });
  }
  const history = createPostgresHistory(pool, s);
  const channel = `mluvii_state_${schema}`.replace(/[^a-zA-Z0-9_]/g, '_');

  type EventRecord = Extract<NewStoreRecord, { kind: 'event' }>;
  interface Pending { readonly record: EventRecord; readonly identity: string; readonly body: string; resolve(r: StoreRecord): void; reject(e: unknown): void }
  let queue: Pending[] = [];
  const MAX_BATCH = 500;

  /** Inserts the queued events in one statement, in queue order; conflicts go the single-row way. */
  async function flush(batch: Pending[]): Promise<void> {
    const column = <T>(f: (p: Pending) => T) => batch.map(f);
    let inserted: Map<string, number>;
    try {
      const { rows } = await pool.query<{ position: string; identity: string }>(
        `WITH input AS (
           SELECT * FROM unnest($1::float8[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[])
             WITH ORDINALITY AS t(received_ms, source, stream_id, event_type, event_time_us, identity, body, ord)),
         inserted AS (
           INSERT INTO ${s}.log (kind, received_at, source, stream_id, event_type, event_time_us, identity, body)
           SELECT 'event', to_timestamp(received_ms / 1000.0), source, stream_id, event_type, event_time_us, identity, body
             FROM input ORDER BY ord
           ON CONFLICT (identity) WHERE kind = 'event' AND identity IS NOT NULL DO NOTHING
           RETURNING position, identity)
         SELECT position, identity, pg_notify($8, '') FROM inserted`,
        [column((p) => p.record.receivedAt), column((p) => p.record.source), column((p) => p.record.event.stream),
          column((p) => p.record.event.eventType), column((p) => p.record.event.time), column((p) => p.identity),
          column((p) => p.body), channel]);
      inserted = new Map(rows.map((r) => [r.identity, Number(r.position)]));
    } catch (error) {
      // One row may be what failed (or the connection): each on its own, so only a bad row fails.
      for (const p of batch) insertEvent(p.record, p.body).then(p.resolve, (e: unknown) => p.reject(unavailable(e)));
      return;
    }
    for (const p of batch) {
      const position = inserted.get(p.identity);
      if (position !== undefined) {
        inserted.delete(p.identity); // a repeat within the batch is a re-delivery
        p.resolve({ ...p.record, position });
      } else {
        insertEvent(p.record, p.body).then(p.resolve, (e: unknown) => p.reject(unavailable(e)));
      }
    }
  }

  function enqueue(record: EventRecord, identity: string, body: string): Promise<StoreRecord> {
    return new Promise((resolve, reject) => {
      if (queue.length === 0) {
        setImmediate(() => {
          const batch = queue;
          queue = [];
          for (let i = 0; i < batch.length; i += MAX_BATCH) void flush(batch.slice(i, i + MAX_BATCH));
        });
      }
      queue.push({ record, identity, body, resolve, reject });
    });
  }

  async function insertEvent(record: EventRecord, body: string): Promise<StoreRecord> {
    const { event } = record;
    const identity = getIdentity(event);
    for (;;) {
      // One round trip: the insert, and a notification delivered when it commits.
      const { rows } = await pool.query<{ position: string }>(
        `WITH inserted AS (
           INSERT INTO ${s}.log (kind, received_at, source, stream_id, event_type, event_time_us, identity, body)
           VALUES ('event', to_timestamp($1 / 1000.0), $2, $3, $4, $5, $6, $7)
           ON CONFLICT (identity) WHERE kind = 'event' AND identity IS NOT NULL DO NOTHING
           RETURNING position)
         SELECT position, pg_notify($8, '') FROM inserted`,
        [record.receivedAt, record.source, event.stream, event.eventType, event.time, identity, body, channel],
      );
      if (rows.length === 1) return { ...record, position: Number(rows[0]!.position) };
      // The identity is stored already (another receiver, or an earlier delivery): a re-delivery.
      const { rows: existing } = await pool.query<{ position: string; body: string }>(
        `SELECT position, body FROM ${s}.log WHERE kind = 'event' AND identity = $1`, [identity]);
      if (existing.length === 0) continue; // the winner rolled back: try again
      const conflicting = sameContent(eventOf(existing[0]!.body), event) ? null : event;
      return insertOther({
        kind: 'redelivery', position: 0, receivedAt: record.receivedAt, source: record.source,
        originalPosition: Number(existing[0]!.position), identity: identity!, conflicting, stream: event.stream,
      }, conflicting === null ? null : body);
    }
  }

  async function insertOther(record: Exclude<NewStoreRecord, { kind: 'event' }>, body: string | null): Promise<StoreRecord> {
    const { rows } = record.kind === 'dead-letter'
      ? await pool.query<{ position: string }>(
        `WITH inserted AS (INSERT INTO ${s}.log (kind, received_at, source, event_type, error, raw) VALUES ('dead-letter', to_timestamp($1 / 1000.0), $2, $3, $4, $5) RETURNING position)
         SELECT position, pg_notify($6, '') FROM inserted`,
        [record.receivedAt, record.source, record.error.eventType, JSON.stringify(record.error), JSON.stringify(encodeRawBody(record.raw)), channel])
      : await pool.query<{ position: string }>(
        `WITH inserted AS (INSERT INTO ${s}.log (kind, received_at, source, identity, original_position, body, stream_id) VALUES ('redelivery', to_timestamp($1 / 1000.0), $2, $3, $4, $5, $7) RETURNING position)
         SELECT position, pg_notify($6, '') FROM inserted`,
        [record.receivedAt, record.source, record.identity, record.originalPosition, body, channel, record.stream ?? record.conflicting?.stream ?? null]);
    return { ...record, position: Number(rows[0]!.position) } as StoreRecord;
  }

  async function readAfter(checkpoint: LogCheckpoint | null, limit = 5000) {
    const { rows } = await pool.query<Row>(
      // `log.tx`, qualified: a bare `tx` in ORDER BY would name the text output column, and
      // sorting xids as text puts 10000 before 9999 (rows read out of log order, pages skipped).
      `SELECT position, tx::text AS tx_text, kind, received_at, source, stream_id, body, identity, original_position, error, raw
         FROM ${s}.log
        WHERE tx < pg_snapshot_xmin(pg_current_snapshot())
          AND ($1::xid8 IS NULL OR (tx, position) > ($1::xid8, $2::bigint))
        ORDER BY log.tx, log.position
        LIMIT $3`,
      [checkpoint?.tx ?? null, checkpoint?.position ?? 0, limit]);
    const last = rows.at(-1);
    return { records: rows.map(toRecord), checkpoint: last === undefined ? checkpoint : { tx: last.tx_text, position: Number(last.position) } };
  }

  /** Appends, with every failure of the database's reported as {@link StoreUnavailableError}. */
  async function append(record: NewStoreRecord, body: string | null): Promise<StoreRecord> {
    try {
      if (record.kind === 'event') {
        if (body === null) throw new Error('a PostgreSQL store needs the body text of every event');
        // Events without identity cannot be matched to the rows a batch returns: one at a time.
        const identity = options.batch === false ? null : getIdentity(record.event);
        return await (identity !== null ? enqueue(record, identity, body) : insertEvent(record, body));
      }
      return await insertOther(record, body);
    } catch (error) {
      throw unavailable(error);
    }
  }

  return {
    shared: true,
    ...history,
    append: (record, body = null) => append(record, body),
    async health() {
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), CONNECT_TIMEOUT_MS).unref()),
        ]);
        return { ok: true };
      } catch (error) {
        return { ok: false, message: `PostgreSQL unreachable: ${redactSecrets((error as Error).message)}` };
      }
    },
    async *read() {
      let checkpoint: LogCheckpoint | null = null;
      for (;;) {
        const page = await readAfter(checkpoint);
        yield* page.records;
        if (page.records.length === 0) return;
        checkpoint = page.checkpoint;
      }
    },
    readAfter,
    async watch(wake) {
      const listening = listen(pool, channel, wake);
      await listening.opened;
      const timer = setInterval(wake, options.pollMs ?? 500);
      return async () => {
        clearInterval(timer);
        await listening.stop();
      };
    },
    async close() {
      if (ownPool) await pool.end();
      pool.off('error', onPoolError);
    },
  };
}
