/**
 * Retries with exponential backoff and jitter. `@clickhouse/client` does not retry, and an insert
 * that failed on a transient condition (server restart, TOO_MANY_PARTS back-pressure, a timeout)
 * usually succeeds a little later; an insert that failed on its content (syntax, types) never will.
 */
export interface RetryOptions {
  /** Delay before the first retry (ms). */
  initialDelayMs: number;
  /** Upper bound of one delay (ms). */
  maxDelayMs: number;
  /** Growth factor of the delay per attempt. */
  multiplier: number;
  /** Random spread of each delay, as a fraction: 0.2 → ±20%, so many writers do not retry in step. */
  jitter: number;
  /** Give up once this much time (ms) has passed since the first attempt; 0 retries without limit. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  multiplier: 2,
  jitter: 0.2,
  maxElapsedMs: 60_000,
};

/**
 * ClickHouse error codes worth retrying: overload and back-pressure, timeouts, network and
 * coordination (Keeper, replicas) failures, and an insert whose outcome is unknown (retrying it is
 * safe because inserts carry a deduplication token).
 */
const RETRYABLE_CLICKHOUSE_CODES = new Set([
  '3', // UNEXPECTED_END_OF_FILE
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '159', // TIMEOUT_EXCEEDED
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '225', // NO_ZOOKEEPER
  '236', // ABORTED
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '252', // TOO_MANY_PARTS
  '285', // TOO_FEW_LIVE_REPLICAS
  '286', // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  '319', // UNKNOWN_STATUS_OF_INSERT
  '394', // QUERY_WAS_CANCELLED
  '425', // SYSTEM_ERROR
  '439', // CANNOT_SCHEDULE_TASK
  '999', // KEEPER_EXCEPTION
  '1000', // POCO_EXCEPTION
]);

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** True when the same request may succeed if sent again. */
export function isRetryableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    const text = String(code);
    if (RETRYABLE_NETWORK_CODES.has(text)) return true;
    if (/^\d+$/.test(text)) return RETRYABLE_CLICKHOUSE_CODES.has(text);
  }
  // @clickhouse/client reports request timeouts and dropped sockets as plain errors.
  if (/timeout|socket hang up|ECONNRESET|ECONNREFUSED|network/i.test(err.message)) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isRetryableError(cause);
}

/** The delay before retry number `attempt` (1-based), jittered. */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** (attempt - 1));
  const spread = base * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}

export interface RetryHooks {
  /** Called before each wait, with the failed attempt's number and error. */
  onRetry?(attempt: number, error: unknown, delayMs: number): void;
  /** Waits `ms`; replaceable so tests need not sleep. */
  sleep?(ms: number): Promise<void>;
  /** Stops retrying early (e.g. a forced shutdown); the last error is thrown. */
  shouldStop?(): boolean;
}

/** Runs `operation` until it succeeds, fails with a non-retryable error, or time runs out. */
export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!isRetryableError(err) || hooks.shouldStop?.()) throw err;
      const delay = backoffDelay(attempt, options);
      if (options.maxElapsedMs > 0 && Date.now() - started + delay > options.maxElapsedMs) throw err;
      hooks.onRetry?.(attempt, err, delay);
      await sleep(delay);
    }
  }
}
