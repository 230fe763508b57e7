import { context } from '@opentelemetry/api';
import type { GenAICall } from './recorder.ts';
import { reportInstrumentationError } from './recorder.ts';
import { hookAPIPromise } from './stream.ts';

/** A call the instrumentation decided to record: its span, the arguments to call the SDK with, and how to read the result. */
export interface PreparedCall {
  call: GenAICall;
  /** Arguments for the original method (a copy when the instrumentation changed the request). */
  args: unknown[];
  /** Receives the SDK's result when the caller consumes it; returns it, or the observed stream in its place. */
  finish(result: unknown): unknown;
}

export type SdkMethod = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Marks an SDK's traced method as running. A client instrumented with `instrument(client)` whose
 * class is patched too has two traced layers, the instance's calling the prototype's synchronously
 * while the request is built: the inner one sees `active` and records nothing. (A flag rather than
 * a context value: it costs no extra context per call, and only this synchronous nesting matters.)
 */
export interface CallGuard {
  active: boolean;
}

/**
 * Wraps an SDK method that returns an `APIPromise` (openai, @anthropic-ai/sdk). `prepare` reads the
 * request and starts the call; when it returns undefined or throws, the original runs untraced.
 * The original is always called exactly once, with the caller's `this`, and its errors reach the
 * caller unchanged.
 */
export function traceAPIPromiseMethod(
  original: SdkMethod,
  guard: CallGuard,
  where: string,
  prepare: (self: unknown, args: unknown[]) => PreparedCall | undefined,
): SdkMethod {
  return function traced(this: unknown, ...args: unknown[]): unknown {
    if (guard.active) return original.apply(this, args);
    let prepared: PreparedCall | undefined;
    try {
      prepared = prepare(this, args);
    } catch (error) {
      reportInstrumentationError(`${where} request`, error);
    }
    if (!prepared) return original.apply(this, args);
    const { call, finish } = prepared;
    let result: unknown;
    guard.active = true;
    try {
      result = runInCall(call, () => original.apply(this, prepared.args));
    } finally {
      guard.active = false;
    }
    try {
      return hookAPIPromise(
        result,
        finish,
        (error) => call.fail(error),
        // The caller took the raw response: the call succeeded, its usage is in a body we do not read.
        () => call.end({}),
      );
    } catch (error) {
      reportInstrumentationError(`${where} response`, error);
      return result;
    }
  };
}

export function isPromiseLike(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs the SDK inside the call's context, so HTTP spans nest under the GenAI span. A synchronous
 * throw fails the call and reaches the caller unchanged.
 */
export function runInCall(call: GenAICall, run: () => unknown): unknown {
  try {
    return context.with(call.context, run);
  } catch (error) {
    call.fail(error);
    throw error;
  }
}

/**
 * Runs an SDK method that returns a plain promise (@google/genai, @aws-sdk) inside the call, and
 * ends the call with its result: `finish` reads the resolved value and returns it (or the observed
 * stream in its place); a rejection fails the call and reaches the caller unchanged. A result that
 * is not a promise ends the call without usage.
 */
export function tracePromiseCall(call: GenAICall, run: () => unknown, finish: (value: unknown) => unknown): unknown {
  const result = runInCall(call, run);
  if (!isPromiseLike(result)) {
    call.end({});
    return result;
  }
  return result.then(finish, (error: unknown) => {
    call.fail(error);
    throw error;
  });
}
