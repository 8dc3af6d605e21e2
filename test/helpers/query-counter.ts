/**
 * Counts the SQL statements an app sends, to prove nested lists are batched.
 *
 * Drizzle reports every statement to its session's `logger`; transactions make
 * new sessions from the same `options`, so both report here. Queries built once
 * (src/db/prepared.ts) keep the logger they were built with, so the session's
 * logger is redirected in place rather than replaced. This reaches past
 * Drizzle's public surface (the public way is `drizzle(client, { logger })` at
 * open time), which keeps the hook out of the database client's code.
 */
import type { Logger } from 'drizzle-orm/logger';
import type { Database } from '../../src/db/client.js';

type SessionWithLogger = { logger: Logger; options: { logger?: Logger } };

export class QueryCounter implements Logger {
  statements: string[] = [];

  static attach(db: Database): QueryCounter {
    const counter = new QueryCounter();
    const session = (db as unknown as { session: SessionWithLogger }).session;
    session.logger.logQuery = (query) => counter.logQuery(query);
    session.options.logger = counter;
    return counter;
  }

  logQuery(query: string): void {
    this.statements.push(query);
  }

  /** Statements sent while `work` ran. */
  async during(work: () => Promise<unknown>): Promise<string[]> {
    const before = this.statements.length;
    await work();
    return this.statements.slice(before);
  }
}
