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
}

/**
 * Makes `stream` report to `call` while the caller iterates it, and returns the same object.
 *
 * The SDK's stream object is kept (its controller, `tee`, `toReadableStream` and type stay) and only
 * its async iterator is shadowed on the instance: each chunk is handed to the caller as soon as the
 * SDK yields it, nothing is buffered. The call ends once: at the end of the stream, on an early
 * `break` (`return()`), or with an error when the SDK throws (abort, disconnect, bad event).
 */
export function observeStream<S extends AsyncIterable<unknown>>(stream: S, call: GenAICall, observer: StreamObserver<ChunkOf<S>>): S {
  try {
    const iterate = stream[Symbol.asyncIterator];
    if (typeof iterate !== 'function') {
      call.end(observer.outcome());
      return stream;
    }
    Object.defineProperty(stream, Symbol.asyncIterator, {
      configurable: true,
      writable: true,
      value: function observedIterator(this: S): AsyncIterator<ChunkOf<S>> {
        return observeIterator(iterate.call(this) as AsyncIterator<ChunkOf<S>>, call, observer, () => wasAborted(this));
      },
    });
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

function observeIterator<Chunk>(
  inner: AsyncIterator<Chunk>,
  call: GenAICall,
  observer: StreamObserver<Chunk>,
  aborted: () => boolean,
): AsyncIterableIterator<Chunk> {
  const complete = (): void => {
    if (call.ended) return;
    if (aborted()) call.fail(new StreamAbortedError(), safeOutcome(observer as StreamObserver<unknown>));
    else call.end(safeOutcome(observer as StreamObserver<unknown>));
  };
  const failWith = (error: unknown): void => {
    if (!call.ended) call.fail(error, safeOutcome(observer as StreamObserver<unknown>));
  };
  const shows = (chunk: Chunk): boolean => {
    try {
      return observer.onChunk(chunk) !== false;
    } catch (error) {
      reportInstrumentationError('stream chunk', error);
      return true;
    }
  };

  // Promise chaining rather than an async function: one `then` per chunk is all this adds to the
  // caller's iteration.
  const onStep = (result: IteratorResult<Chunk>): IteratorResult<Chunk> | Promise<IteratorResult<Chunk>> => {
    if (result.done) {
      complete();
      return result;
    }
    call.markFirstChunk();
    return shows(result.value) ? result : inner.next().then(onStep, onError);
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
 * Hooks the outcome of an SDK call that returns an `APIPromise` (openai, @anthropic-ai/sdk) while
 * handing the caller an object of the same class, so `withResponse()`, `asResponse()` and helpers
 * built on `_thenUnwrap` (e.g. `chat.completions.parse`) keep working.
 *
 * `onResult` runs when the caller consumes the parsed result and may return a replacement of the
 * same shape (the observed stream); `onError` runs when the request fails. The body is not read
 * earlier than the caller reads it.
 */
export function hookAPIPromise<T>(
  promise: T,
  onResult: (value: unknown) => unknown,
  onError: (error: unknown) => void,
): T {
  const apiPromise = promise as unknown as {
    _thenUnwrap?: (transform: (data: unknown, props: unknown) => unknown) => unknown;
    asResponse?: () => Promise<unknown>;
    then?: unknown;
  };
  if (typeof apiPromise?._thenUnwrap === 'function' && typeof apiPromise.asResponse === 'function') {
    // Failures before a body arrives (HTTP errors, network, abort) reject the raw response;
    // observing them there does not start body parsing.
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
