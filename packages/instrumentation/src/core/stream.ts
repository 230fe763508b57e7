import { diag } from '@opentelemetry/api';
import type { GenAICall, GenAICallOutcome } from './recorder.ts';
import { reportInstrumentationError } from './recorder.ts';

type ChunkOf<S> = S extends AsyncIterable<infer Chunk> ? Chunk : never;

/** Watches the chunks of one streamed response. */
export interface StreamObserver<Chunk> {
  /**
   * Sees each chunk before the caller does. Return `false` to keep the chunk from the caller (used
   * for the usage-only chunk the instrumentation asked for itself); anything else passes it on as is.
   */
  onChunk(chunk: Chunk): boolean | void;
  /** What was seen so far, as the call's outcome; called once when the stream ends, breaks or fails. */
  outcome(): GenAICallOutcome;
  /**
   * A failure the stream reported in its events while the SDK ended it normally (e.g. a Responses
   * API `response.failed` event); called once at the end, and the call then fails with it.
   */
  failure?(): Error | undefined;
}

/** Whether an SDK result is a stream the caller iterates (rather than a finished response). */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown } | null | undefined)?.[Symbol.asyncIterator] === 'function';
}

/**
 * Makes `stream` report to `call` while the caller iterates it, and returns the same object.
 *
 * The SDK's stream object is kept (its controller, `tee`, `toReadableStream` and type stay) and only
 * its iterator is shadowed on the instance: each chunk is handed to the caller as soon as the SDK
 * yields it, nothing is buffered. The openai and Anthropic `Stream` classes keep their iterator
 * factory in an `iterator` field that both `[Symbol.asyncIterator]()` and `tee()` call, so that field
 * is the one observed when present (a teed stream is then observed once, below both branches);
 * otherwise `[Symbol.asyncIterator]` is. The call ends once: at the end of the stream, on an early
 * `break` (`return()`), or with an error when the SDK throws (abort, disconnect, bad event).
 */
export function observeStream<S extends AsyncIterable<unknown>>(stream: S, call: GenAICall, observer: StreamObserver<ChunkOf<S>>): S {
  try {
    const holder = stream as unknown as { iterator?: unknown };
    const field = Object.hasOwn(stream, 'iterator') && typeof holder.iterator === 'function';
    const iterate = (field ? holder.iterator : stream[Symbol.asyncIterator]) as ((this: unknown, ...args: unknown[]) => AsyncIterator<ChunkOf<S>>) | undefined;
    if (typeof iterate !== 'function') {
      call.end(safeOutcome(observer as StreamObserver<unknown>));
      return stream;
    }
    let observing = false;
    const observed = function observedIterator(this: unknown, ...args: unknown[]): AsyncIterator<ChunkOf<S>> {
      const inner = iterate.apply(this, args);
      // Only the first iteration is the call's: the SDK refuses a second one (a consumed stream),
      // and that refusal must not fail a call whose first iteration is still running.
      if (observing) return inner;
      observing = true;
      return observeIterator(inner, call, observer, () => wasAborted(stream));
    };
    if (field) holder.iterator = observed;
    else Object.defineProperty(stream, Symbol.asyncIterator, { configurable: true, writable: true, value: observed });
  } catch (error) {
    reportInstrumentationError('observeStream', error);
  }
  return stream;
}

/**
 * The SDKs end a stream quietly when its request is aborted (`stream.controller.abort()`), so the
 * caller sees an ordinary end. The call is still a failure: it was cut short and its usage is unknown.
 */
export class StreamAbortedError extends Error {
  constructor() {
    super('the stream was aborted before it completed');
    this.name = 'StreamAbortedError';
  }
}

function wasAborted(stream: unknown): boolean {
  try {
    return (stream as { controller?: { signal?: { aborted?: boolean } } }).controller?.signal?.aborted === true;
  } catch {
    return false;
  }
}

function safeOutcome(observer: StreamObserver<unknown>): GenAICallOutcome {
  try {
    return observer.outcome();
  } catch (error) {
    reportInstrumentationError('stream outcome', error);
    return {};
  }
}

function safeFailure(observer: StreamObserver<unknown>): Error | undefined {
  try {
    return observer.failure?.();
  } catch (error) {
    reportInstrumentationError('stream failure', error);
    return undefined;
  }
}

function observeIterator<Chunk>(
  inner: AsyncIterator<Chunk>,
  call: GenAICall,
  observer: StreamObserver<Chunk>,
  aborted: () => boolean,
): AsyncIterableIterator<Chunk> {
  const complete = (): void => {
    if (call.ended) return;
    if (aborted()) {
      call.fail(new StreamAbortedError(), safeOutcome(observer as StreamObserver<unknown>));
      return;
    }
    const failure = safeFailure(observer as StreamObserver<unknown>);
    if (failure) call.fail(failure, safeOutcome(observer as StreamObserver<unknown>));
    else call.end(safeOutcome(observer as StreamObserver<unknown>));
  };
  const failWith = (error: unknown): void => {
    if (!call.ended) call.fail(error, safeOutcome(observer as StreamObserver<unknown>));
  };
  let first = true;

  // Promise chaining rather than an async function: one `then` per chunk is all this adds to the
  // caller's iteration. Chunks arrive one at a time with other work in between, so this runs cold:
  // it is kept to one function and one call into the observer.
  const onStep = (result: IteratorResult<Chunk>): IteratorResult<Chunk> | Promise<IteratorResult<Chunk>> => {
    if (result.done) {
      complete();
      return result;
    }
    if (first) {
      first = false;
      call.markFirstChunk();
    }
    let shown = true;
    try {
      shown = observer.onChunk(result.value) !== false;
    } catch (error) {
      reportInstrumentationError('stream chunk', error);
    }
    return shown ? result : inner.next().then(onStep, onError);
  };
  const onError = (error: unknown): never => {
    failWith(error);
    throw error;
  };
  const iterator: AsyncIterableIterator<Chunk> = {
    next(): Promise<IteratorResult<Chunk>> {
      try {
        return inner.next().then(onStep, onError);
      } catch (error) {
        failWith(error);
        return Promise.reject(error);
      }
    },
    async return(value?: unknown): Promise<IteratorResult<Chunk>> {
      // The caller stopped early: the call ends with what was seen, as a success.
      complete();
      if (typeof inner.return === 'function') return inner.return(value);
      return { done: true, value: value as Chunk };
    },
    async throw(error?: unknown): Promise<IteratorResult<Chunk>> {
      failWith(error);
      if (typeof inner.throw === 'function') return inner.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * Hooks the outcome of an SDK call that returns an `APIPromise` (openai, @anthropic-ai/sdk) and
 * hands the caller that same object, so `withResponse()`, `asResponse()` and helpers built on
 * `_thenUnwrap` (e.g. `chat.completions.parse`) keep working. The body is never read earlier than
 * the caller reads it, and the call ends exactly once on every path:
 *
 * - the caller reads the parsed result (`await`, `then`, `parse()`, `withResponse()`, or a helper's
 *   `_thenUnwrap`): `onResult` runs with it and may return a replacement of the same shape (the
 *   observed stream);
 * - the request fails (HTTP error, network, abort) or the body cannot be parsed: `onError`;
 * - the caller takes the raw `Response` with `asResponse()` and has not asked for the parsed
 *   result once its own continuation has run: `onUnparsed`, because the body now belongs to the
 *   caller and nothing more will be known (no usage, no cost). Asking for the parsed result right
 *   after (`await p.asResponse(); await p`) still records the full outcome.
 *
 * Every way to the parsed result goes through the instance's `parseResponse` field, so wrapping
 * that one field (and watching `responsePromise` for failures) costs two promise reactions per call
 * and creates no second `APIPromise`.
 */
export function hookAPIPromise<T>(
  promise: T,
  onResult: (value: unknown) => unknown,
  onError: (error: unknown) => void,
  onUnparsed: () => void = () => {},
): T {
  const apiPromise = promise as unknown as APIPromiseLike;
  if (
    typeof apiPromise?.then === 'function' &&
    typeof apiPromise.asResponse === 'function' &&
    Object.hasOwn(apiPromise, 'parseResponse') &&
    typeof apiPromise.parseResponse === 'function' &&
    typeof apiPromise.responsePromise?.then === 'function'
  ) {
    hookParseResponse(apiPromise, once(onResult), onError, onUnparsed);
    return promise;
  }
  if (typeof apiPromise?._thenUnwrap === 'function' && typeof apiPromise.asResponse === 'function') {
    // An APIPromise of another shape: a derived one sees the parsed result; the raw response
    // rejects on failures before a body arrives.
    apiPromise.asResponse().then(undefined, onError);
    return apiPromise._thenUnwrap((data) => onResult(data)) as T;
  }
  if (typeof apiPromise?.then === 'function') {
    diag.debug('spendtrace: SDK call did not return an APIPromise; observing it as a plain promise');
    return (promise as unknown as Promise<unknown>).then(onResult, (error: unknown) => {
      onError(error);
      throw error;
    }) as T;
  }
  return promise;
}

interface APIPromiseLike {
  then?: unknown;
  responsePromise?: Promise<unknown>;
  parseResponse?: (this: unknown, ...args: unknown[]) => unknown;
  asResponse?: (this: unknown) => Promise<unknown>;
  _thenUnwrap?: (transform: (data: unknown, props: unknown) => unknown) => unknown;
}

/** `onResult` for the first result only: a derived promise's result passes through the original's too. */
function once(onResult: (value: unknown) => unknown): (value: unknown) => unknown {
  let seen = false;
  return (value) => {
    if (seen) return value;
    seen = true;
    return onResult(value);
  };
}

function hookParseResponse(
  apiPromise: APIPromiseLike,
  onResult: (value: unknown) => unknown,
  onError: (error: unknown) => void,
  onUnparsed: () => void,
): void {
  const parseResponse = apiPromise.parseResponse!;
  const asResponse = apiPromise.asResponse!;
  let parseRequested = false;
  // Failures before a body arrives (HTTP errors, network, abort) reject the raw response promise.
  apiPromise.responsePromise!.then(undefined, onError);
  // openai 4 calls `parseResponse(props)`, openai 5+ and Anthropic `parseResponse(client, props)`.
  apiPromise.parseResponse = function parseObserved(this: unknown, ...args: unknown[]): unknown {
    parseRequested = true;
    // A body that fails to parse (malformed JSON, a proxy's HTML page) ends the call as failed.
    return Promise.resolve(parseResponse.apply(this, args)).then(onResult, (error: unknown) => {
      onError(error);
      throw error;
    });
  };
  // Helpers derive a promise with `_thenUnwrap` (`chat.completions.parse`, the stream helpers);
  // some SDK versions give it a parse function of its own, so the derived promise is hooked too.
  const thenUnwrap = apiPromise._thenUnwrap;
  if (typeof thenUnwrap === 'function') {
    apiPromise._thenUnwrap = function thenUnwrapObserved(this: unknown, transform: (data: unknown, props: unknown) => unknown): unknown {
      parseRequested = true;
      return hookAPIPromise(thenUnwrap.call(this, transform), onResult, onError, onUnparsed);
    };
  }
  apiPromise.asResponse = function asResponseObserved(this: unknown): Promise<unknown> {
    const response = asResponse.call(this);
    if (!parseRequested) {
      response.then(
        () => {
          // One macrotask later the caller's continuation after `await asResponse()` has run.
          if (!parseRequested) setImmediate(() => parseRequested || onUnparsed());
        },
        () => {},
      );
    }
    return response;
  };
}
