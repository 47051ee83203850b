/**
 * The LISTEN connection of a PostgreSQL store's follower: held open, and re-opened with backoff
 * when it is lost (a restart, `pg_terminate_backend`, a failover), never an uncaught error.
 */
import type pg from 'pg';

/** First and longest delay before the LISTEN connection is re-opened. */
const RELISTEN_FIRST_MS = 100;
const RELISTEN_MAX_MS = 10_000;

/** Holds a LISTEN connection open, re-opening it with backoff when it is lost, until stopped. */
export function listen(pool: pg.Pool, channel: string, wake: () => void) {
  let client: pg.PoolClient | null = null;
  let stopped = false;
  let delay = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const reopen = () => {
    if (stopped || timer !== null) return;
    delay = Math.min(delay === 0 ? RELISTEN_FIRST_MS : delay * 2, RELISTEN_MAX_MS);
    timer = setTimeout(() => { timer = null; void open(); }, delay);
  };
  async function open(): Promise<void> {
    let opened: pg.PoolClient;
    try {
      opened = await pool.connect();
    } catch {
      reopen();
      return;
    }
    if (stopped) return opened.release();
    const lost = (error: Error) => {
      opened.removeAllListeners('notification');
      opened.release(error); // destroys the connection instead of pooling it
      if (client === opened) client = null;
      reopen();
    };
    opened.on('error', lost);
    opened.on('notification', () => wake());
    try {
      await opened.query(`LISTEN ${channel}`);
    } catch (error) {
      if (client !== opened) opened.off('error', lost);
      lost(error as Error);
      return;
    }
    client = opened;
    delay = 0;
    wake(); // whatever was appended while nobody listened
  }
  return {
    opened: open(),
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      const last = client;
      client = null;
      if (last === null) return;
      await last.query(`UNLISTEN ${channel}`).catch(() => undefined);
      last.release();
    },
  };
}
