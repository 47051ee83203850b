/**
 * The PostgreSQL store's schema: its migrations, applied once each under an advisory lock so
 * that several processes starting together migrate once.
 */
import type pg from 'pg';

/** Migrations, in order; each runs once, recorded in `<schema>.migrations`. */
export function migrations(schema: string): string[] {
  const s = `"${schema.replace(/"/g, '""')}"`;
  return [
    `CREATE TABLE ${s}.log (
       position bigserial PRIMARY KEY,
       tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
       kind text NOT NULL CHECK (kind IN ('event', 'dead-letter', 'redelivery')),
       received_at timestamptz NOT NULL,
       source text,
       stream_id text,
       event_type text,
       event_time_us bigint,
       identity text,
       fingerprint text,
       body text,
       original_position bigint,
       error jsonb,
       raw jsonb
     );
     CREATE UNIQUE INDEX log_identity ON ${s}.log (identity) WHERE kind = 'event' AND identity IS NOT NULL;
     CREATE INDEX log_order ON ${s}.log (tx, position);
     CREATE INDEX log_stream ON ${s}.log (stream_id, tx, position) WHERE kind = 'event';
     CREATE VIEW ${s}.events AS
       SELECT position, stream_id, row_number() OVER (PARTITION BY stream_id ORDER BY tx, position) AS stream_version,
              event_type, event_time_us, received_at, source, identity, fingerprint, body
         FROM ${s}.log WHERE kind = 'event';
     CREATE VIEW ${s}.dead_letters AS
       SELECT position, received_at, source, event_type, error, raw FROM ${s}.log WHERE kind = 'dead-letter';`,
    // Re-deliveries are told from conflicting reports by comparing payloads, not body hashes.
    `DROP VIEW ${s}.events;
     ALTER TABLE ${s}.log DROP COLUMN fingerprint;
     CREATE VIEW ${s}.events AS
       SELECT position, stream_id, row_number() OVER (PARTITION BY stream_id ORDER BY tx, position) AS stream_version,
              event_type, event_time_us, received_at, source, identity, body
         FROM ${s}.log WHERE kind = 'event';`,
    // Retirement: a stream read back with its re-deliveries; final views of retired entities.
    `CREATE INDEX log_stream_records ON ${s}.log (stream_id, tx, position) WHERE stream_id IS NOT NULL;
     CREATE TABLE ${s}.views (
       stream_id text PRIMARY KEY,
       status text,
       tenant_id bigint,
       closed_at timestamptz,
       archived_at timestamptz NOT NULL DEFAULT now(),
       view jsonb NOT NULL
     );
     CREATE INDEX views_closed ON ${s}.views (closed_at) WHERE closed_at IS NOT NULL;
     CREATE INDEX views_tenant_status ON ${s}.views (tenant_id, status);`,
  ];
}

export const quote = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = quote(schema);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // One migrator at a time across processes.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mluvii-state:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.migrations`);
    const done = new Set(rows.map((r) => r.version));
    for (const [i, sql] of migrations(schema).entries()) {
      if (done.has(i + 1)) continue;
      await client.query(sql);
      await client.query(`INSERT INTO ${s}.migrations (version) VALUES ($1)`, [i + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
