/**
 * What a PostgreSQL store keeps for retirement: a stream read back with SQL up to what a
 * follower has folded, and the `views` table of retired entities' final views, which every
 * instance shares and lists by close time with SQL.
 */
import type pg from 'pg';
import type { StreamId } from '../types.js';
import type { ArchivedView, ArchiveQuery, StoreRecord } from './eventStore.js';
import { toRecord, type Row } from './postgresRows.js';

/** Where a follower is in the log. */
export interface LogCheckpoint { readonly tx: string; readonly position: number }

/** An instant for SQL, or null for an open bound (`±Infinity` included). */
const bound = (ms: number | undefined): Date | null => (ms === undefined || !Number.isFinite(ms) ? null : new Date(ms));

/** `s`: the quoted schema. */
export function createPostgresHistory(pool: pg.Pool, s: string) {
  return {
    /**
     * The records of `stream` in log order, up to `through` (the follower's checkpoint: what its
     * tracker has folded; null: none) so that a stream read back never holds what the follower
     * will fold next.
     */
    async readStream(stream: StreamId, through?: LogCheckpoint | null): Promise<StoreRecord[]> {
      if (through === null) return [];
      const { rows } = await pool.query<Row>(
        `SELECT position, tx::text AS tx_text, kind, received_at, source, stream_id, body, identity, original_position, error, raw
           FROM ${s}.log
          WHERE stream_id = $1 AND kind IN ('event', 'redelivery')
            AND ($2::xid8 IS NULL OR (tx, position) <= ($2::xid8, $3::bigint))
            AND tx < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY log.tx, log.position`,
        [stream, through?.tx ?? null, through?.position ?? 0]);
      return rows.map(toRecord);
    },

    async archive(views: readonly ArchivedView[]): Promise<void> {
      if (views.length === 0) return;
      await pool.query(
        `INSERT INTO ${s}.views (stream_id, status, tenant_id, closed_at, view)
         SELECT stream_id, status, tenant_id, closed_at, view
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::jsonb[]) AS t(stream_id, status, tenant_id, closed_at, view)
         ON CONFLICT (stream_id) DO UPDATE SET status = EXCLUDED.status, tenant_id = EXCLUDED.tenant_id,
           closed_at = EXCLUDED.closed_at, view = EXCLUDED.view, archived_at = now()`,
        [views.map((v) => v.stream), views.map((v) => v.status), views.map((v) => v.tenantId), views.map((v) => v.closedAt), views.map((v) => JSON.stringify(v.view))]);
    },

    async archived(query: ArchiveQuery): Promise<ArchivedView[]> {
      const { rows } = await pool.query<{ stream_id: string; status: string | null; tenant_id: string | null; closed_at: Date | null; view: unknown }>(
        `SELECT stream_id, status, tenant_id, closed_at, view FROM ${s}.views
          WHERE starts_with(stream_id, $1)
            AND ($2::timestamptz IS NULL OR closed_at >= $2) AND ($3::timestamptz IS NULL OR closed_at < $3)
          ORDER BY stream_id`,
        [query.prefix, bound(query.closedFrom), bound(query.closedTo)]);
      return rows.map((row) => ({
        stream: row.stream_id, status: row.status, tenantId: row.tenant_id === null ? null : Number(row.tenant_id),
        closedAt: row.closed_at === null ? null : row.closed_at.toISOString(), view: row.view,
      }));
    },
  };
}
