import type { Executor } from './database.js';

/**
 * Runs `fn` in a transaction: joins the caller's transaction when `executor` already is one, otherwise opens one.
 * This is what makes "transactions a first-class argument": a use case can be called alone or inside a larger one.
 */
export async function inTransaction<T>(executor: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return fn(executor);
  return executor.transaction().execute(fn);
}
