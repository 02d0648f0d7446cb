/**
 * The PostgreSQL plumbing every bench needs (a client for one piece of work, another database's
 * URL), kept free of the service's modules so that a load generator importing it stays light.
 */
import { Client } from 'pg';

/** The same server as `adminUrl`, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withPgClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}
