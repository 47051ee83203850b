/** PostgreSQL for the store tests: `MLUVII_STATE_PG_URL`, or the tests skip with a visible message. */
import pg from 'pg';

export const PG_URL = process.env.MLUVII_STATE_PG_URL;

/** A fresh schema name per test, so runs never see each other's rows. */
export const freshSchema = () => `mluvii_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

export async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
