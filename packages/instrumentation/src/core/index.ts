/**
 * The shared core of the spendtrace instrumentations. An SDK instrumentation uses it like this:
 *
 * 1. Extend `GenAIInstrumentationBase<YourConfig>` (an `InstrumentationBase`); in `init()` return an
 *    `InstrumentationNodeModuleDefinition` whose patch function `_wrap`s the SDK's prototype methods
 *    (and whose unpatch `_unwrap`s the same ones). Detect methods (`typeof proto.create === 'function'`)
 *    instead of trusting the version; a shape you do not recognise is left alone with one
 *    `this._diag.warn` line, never a throw.
 * 2. In the wrapper, build a `GenAICallStart` from the request and call `this.recorder.start(spec)`.
 *    It returns `undefined` if telemetry failed: then just call the original. Otherwise issue the
 *    original call inside `context.with(call.context, ...)` so HTTP spans nest under the GenAI span.
 *    Wrap your own request-reading code in try/catch: the original must be called whatever happens.
 * 3. Non-streaming: when the response arrives call `call.end({ responseId, responseModel,
 *    finishReasons, usage })`, on failure `call.fail(error)`. `usage` is canonical usage from
 *    `canonicalUsage('usageFromGemini', raw)` (the @spendtrace/pricing adapters). The recorder
 *    adds usage, cost (`spendtrace.*`, `gen_ai.usage.cost.*` or `spendtrace.pricing.status`),
 *    attribution from baggage, error.type/status, time to first chunk, and records the metrics.
 *    For SDKs returning an `APIPromise` (openai, anthropic), `traceAPIPromiseMethod` does steps 2-4
 *    around a `prepare(self, args)` function, and `hookAPIPromise` keeps the promise class; for
 *    SDKs returning a plain promise (@google/genai, @aws-sdk), `tracePromiseCall` does steps 2-3
 *    around a `finish(value)` function. `sdkModuleDefinition` builds the `init()` definition from
 *    the instrumentation's own `patchModule` / `unpatchModule`.
 * 4. Streaming: `observeStream(stream, call, { onChunk(chunk) { accumulate }, outcome() { return
 *    {...} } })` returns the same stream object with its async iterator observed; the call ends
 *    exactly once on completion, early break, abort or error. For a plain async generator returned
 *    by the SDK this works the same way.
 * 5. `end`/`fail` are idempotent and never throw; the span name is `{operation} {model}`.
 */
export type { SpendtraceInstrumentationConfig } from './config.ts';
export { DEFAULT_METRIC_ATTRIBUTION_KEYS, shouldCaptureContent } from './config.ts';
export { choiceCountOrUndefined, GenAIInstrumentationBase, numberOrUndefined, serverAttributes, setDefined, stringArrayOrUndefined, stringOrUndefined } from './base.ts';
export { GenAICall, GenAIRecorder, GenAIResponseError, errorTypeOf, reportInstrumentationError, setCostAttributes, setUsageAttributes } from './recorder.ts';
export type { GenAICallOutcome, GenAICallStart, RecorderSource } from './recorder.ts';
export { hookAPIPromise, isAsyncIterable, observeStream, StreamAbortedError } from './stream.ts';
export { isPromiseLike, runInCall, traceAPIPromiseMethod, tracePromiseCall } from './wrap.ts';
export { sdkModuleDefinition } from './sdk-module.ts';
export { PerClient } from './per-client.ts';
export type { ModulePatcher } from './sdk-module.ts';
export type { CallGuard, PreparedCall, SdkMethod } from './wrap.ts';
export type { StreamObserver } from './stream.ts';
export { canonicalUsage, CatalogHolder, priceCall } from './pricing.ts';
export type { PriceCatalog, UsageAdapter, UsageAdapterName } from './pricing.ts';
export { attributionAttributes, metricAttributionAttributes } from './attribution-context.ts';
export { GenAIMetrics } from './metrics.ts';
