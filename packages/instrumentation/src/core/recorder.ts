import { context, diag, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Context, Meter, Span, Tracer } from '@opentelemetry/api';
import {
  ATTR_COST_CACHE_READ,
  ATTR_COST_CACHE_WRITE,
  ATTR_COST_INPUT,
  ATTR_COST_OUTPUT,
  ATTR_COST_REASONING,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_COST_CURRENCY,
  ATTR_GEN_AI_USAGE_COST_SOURCE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_PRICING_ADJUSTMENTS,
  ATTR_PRICING_MODEL,
  ATTR_PRICING_STATUS,
  ATTR_PRICING_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_USAGE_AUDIO_INPUT_TOKENS,
  ATTR_USAGE_AUDIO_OUTPUT_TOKENS,
  ATTR_USAGE_CACHE_CREATION_1H_INPUT_TOKENS,
  COST_CURRENCY,
  COST_SOURCE,
} from '@spendtrace/semconv';
import type { CanonicalUsage, CostResult, PriceQuery } from '@spendtrace/pricing';
import { attributionAttributes, metricAttributionAttributes, NO_ATTRIBUTES } from './attribution-context.ts';
import { DEFAULT_METRIC_ATTRIBUTION_KEYS, shouldCaptureContent } from './config.ts';
import type { SpendtraceInstrumentationConfig } from './config.ts';
import { GenAIMetrics } from './metrics.ts';
import { CatalogHolder, priceCall } from './pricing.ts';

/** What is known about a GenAI call when it is issued. */
export interface GenAICallStart {
  /** `gen_ai.operation.name`: chat, text_completion, generate_content, embeddings. */
  operation: string;
  /** `gen_ai.provider.name`. */
  provider: string;
  requestModel: string | undefined;
  serverAddress?: string | undefined;
  serverPort?: number | undefined;
  /** Whether the response is streamed; sets `gen_ai.request.stream`. */
  stream?: boolean;
  /** Further request attributes (`gen_ai.request.*`, provider specific); undefined values are skipped. */
  attributes?: Record<string, AttributeValue | undefined>;
  /** Price modifiers known from the request. */
  region?: string | undefined;
  serviceTier?: string | undefined;
  batch?: boolean | undefined;
  /**
   * Content, built only when content capture is on: each returns a JSON-serialisable value in the
   * GenAI conventions' message shape.
   */
  inputMessages?: () => unknown;
  systemInstructions?: () => unknown;
  toolDefinitions?: () => unknown;
}

/** What is known when a call finishes (or, for a failed or cut stream, what was seen). */
export interface GenAICallOutcome {
  responseId?: string | undefined;
  responseModel?: string | undefined;
  finishReasons?: string[] | undefined;
  usage?: CanonicalUsage | undefined;
  /** Service tier the provider says it used; it decides the price over the requested one. */
  serviceTier?: string | undefined;
  attributes?: Record<string, AttributeValue | undefined>;
  outputMessages?: () => unknown;
}

/** Supplies the recorder with the instrumentation's current tracer, meter and config. */
export interface RecorderSource {
  tracer(): Tracer;
  meter(): Meter;
  config(): SpendtraceInstrumentationConfig;
}

let reportedFailure = false;
/** Instrumentation faults are logged once per process: a broken recorder must not flood the log. */
export function reportInstrumentationError(where: string, error: unknown): void {
  if (reportedFailure) return;
  reportedFailure = true;
  diag.error(`spendtrace: instrumentation error in ${where}; the call itself is unaffected`, error);
}

/**
 * Starts and ends GenAI spans and records the metrics. One per instrumentation.
 * Every method catches its own faults: a failure here never reaches the application.
 */
export class GenAIRecorder {
  private readonly source: RecorderSource;
  private readonly catalogs = new CatalogHolder();
  private metrics: GenAIMetrics | undefined;

  constructor(source: RecorderSource) {
    this.source = source;
  }

  /** Starts the span of a call in the active context. Returns undefined if that fails. */
  start(spec: GenAICallStart): GenAICall | undefined {
    try {
      return new GenAICall(this, spec, context.active());
    } catch (error) {
      reportInstrumentationError('start', error);
      return undefined;
    }
  }

  /** Loads the price catalog now (instrumentations call this when enabled), off the path of any call. */
  warm(): void {
    const config = this.source.config();
    this.catalogs.warm(config.pricingCatalog, config.pricingOverrideFiles);
  }

  /** @internal */
  tracer(): Tracer {
    return this.source.tracer();
  }

  /** @internal */
  config(): SpendtraceInstrumentationConfig {
    return this.source.config();
  }

  /** @internal */
  instruments(): GenAIMetrics {
    const meter = this.source.meter();
    if (this.metrics?.meter !== meter) this.metrics = new GenAIMetrics(meter);
    return this.metrics;
  }

  /** @internal */
  price(query: Parameters<typeof priceCall>[1], usage: CanonicalUsage): CostResult | undefined {
    const config = this.source.config();
    return priceCall(this.catalogs.get(config.pricingCatalog, config.pricingOverrideFiles), query, usage);
  }
}

/**
 * One GenAI call: its span, the context to issue the request in, and the end of both. `end` and
 * `fail` are idempotent, so every path that can finish a call (completion, early break, abort,
 * error) may call them and the span still ends exactly once.
 */
export class GenAICall {
  readonly span: Span;
  /** Context with the call's span active; issue the SDK request in it so HTTP spans nest under it. */
  readonly context: Context;
  /** Whether prompts and completions are to be recorded. */
  readonly captureContent: boolean;
  private readonly recorder: GenAIRecorder;
  private readonly spec: GenAICallStart;
  private readonly startedAt = performance.now();
  private readonly attribution: Attributes;
  private firstChunkSeconds: number | undefined;
  private done = false;

  constructor(recorder: GenAIRecorder, spec: GenAICallStart, parent: Context) {
    this.recorder = recorder;
    this.spec = spec;
    const config = recorder.config();
    this.captureContent = shouldCaptureContent(config);
    this.attribution = attributionAttributes(parent);
    // Built by assignment, not as a literal with computed keys and a spread: this runs once per
    // call, mostly in code the JIT has not optimised yet, where those take a slow runtime path.
    const attributes: Attributes = {};
    attributes[ATTR_GEN_AI_OPERATION_NAME] = spec.operation;
    attributes[ATTR_GEN_AI_PROVIDER_NAME] = spec.provider;
    if (this.attribution !== NO_ATTRIBUTES) copyDefined(attributes, this.attribution);
    if (spec.requestModel !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = spec.requestModel;
    if (spec.serverAddress !== undefined) attributes[ATTR_SERVER_ADDRESS] = spec.serverAddress;
    if (spec.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = spec.serverPort;
    if (spec.stream !== undefined) attributes[ATTR_GEN_AI_REQUEST_STREAM] = spec.stream;
    copyDefined(attributes, spec.attributes);
    if (this.captureContent) {
      setJson(attributes, ATTR_GEN_AI_INPUT_MESSAGES, spec.inputMessages);
      setJson(attributes, ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, spec.systemInstructions);
      setJson(attributes, ATTR_GEN_AI_TOOL_DEFINITIONS, spec.toolDefinitions);
    }
    const name = spec.requestModel ? `${spec.operation} ${spec.requestModel}` : spec.operation;
    this.span = recorder.tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    this.context = trace.setSpan(parent, this.span);
  }

  get ended(): boolean {
    return this.done;
  }

  /** Notes the first chunk of a streamed response; only the first call counts. */
  markFirstChunk(): void {
    if (this.firstChunkSeconds === undefined) this.firstChunkSeconds = (performance.now() - this.startedAt) / 1000;
  }

  /** Ends the call as a success with `outcome`. */
  end(outcome: GenAICallOutcome): void {
    this.finish(outcome, undefined);
  }

  /** Ends the call as failed with `error`, keeping whatever `outcome` was seen before it. */
  fail(error: unknown, outcome: GenAICallOutcome = {}): void {
    this.finish(outcome, error ?? new Error('unknown error'));
  }

  private finish(outcome: GenAICallOutcome, error: unknown): void {
    if (this.done) return;
    this.done = true;
    try {
      this.record(outcome, error);
    } catch (fault) {
      reportInstrumentationError('end', fault);
    } finally {
      try {
        this.span.end();
      } catch (fault) {
        reportInstrumentationError('span.end', fault);
      }
    }
  }

  private record(outcome: GenAICallOutcome, error: unknown): void {
    const span = this.span;
    const durationSeconds = (performance.now() - this.startedAt) / 1000;
    const attributes: Attributes = {};
    if (outcome.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = outcome.responseId;
    if (outcome.responseModel !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = outcome.responseModel;
    if (outcome.finishReasons !== undefined && outcome.finishReasons.length > 0) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = outcome.finishReasons;
    if (this.firstChunkSeconds !== undefined) attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = this.firstChunkSeconds;
    copyDefined(attributes, outcome.attributes);
    if (this.captureContent) setJson(attributes, ATTR_GEN_AI_OUTPUT_MESSAGES, outcome.outputMessages);

    const usage = outcome.usage;
    let costUsd: number | undefined;
    if (usage) {
      setUsageAttributes(attributes, usage);
      // Azure deployment names and aliases only resolve through the model the provider answered with.
      const model = outcome.responseModel ?? this.spec.requestModel;
      if (model !== undefined) {
        // The tier the provider says it served beats the one requested (`auto` resolves to a real tier).
        const serviceTier = outcome.serviceTier ?? this.spec.serviceTier;
        const query: PriceQuery = { provider: this.spec.provider, model };
        if (this.spec.region !== undefined) query.region = this.spec.region;
        if (serviceTier !== undefined) query.serviceTier = serviceTier;
        if (this.spec.batch !== undefined) query.batch = this.spec.batch;
        const cost = this.recorder.price(query, usage);
        costUsd = setCostAttributes(attributes, cost);
      }
    }

    let errorType: string | undefined;
    if (error !== undefined) {
      errorType = errorTypeOf(error);
      attributes[ATTR_ERROR_TYPE] = errorType;
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    span.setAttributes(attributes);

    const config = this.recorder.config();
    const metricAttribution = metricAttributionAttributes(this.attribution, config.metricAttributionKeys ?? DEFAULT_METRIC_ATTRIBUTION_KEYS);
    const spec = this.spec;
    const instruments = this.recorder.instruments();
    const labels = instruments.labels(spec.operation, spec.provider, spec.requestModel, outcome.responseModel, spec.serverAddress, spec.serverPort, errorType, metricAttribution);
    instruments.record(labels, durationSeconds, usage?.inputTokens, usage?.outputTokens, costUsd, this.firstChunkSeconds);
  }
}

function copyDefined(target: Attributes, source: Record<string, AttributeValue | undefined> | undefined): void {
  if (!source) return;
  for (const key in source) {
    const value = source[key];
    if (value !== undefined && value !== null) target[key] = value;
  }
}

function setJson(target: Attributes, key: string, build: (() => unknown) | undefined): void {
  if (!build) return;
  const value = build();
  if (value !== undefined) target[key] = JSON.stringify(value);
}

/** Usage in GenAI semantics; zero subsets are recorded too, because "no cache hit" is information. */
export function setUsageAttributes(target: Attributes, usage: CanonicalUsage): void {
  target[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.inputTokens;
  target[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.outputTokens;
  if (usage.cacheReadTokens !== undefined) target[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cacheReadTokens;
  if (usage.cacheWriteTokens !== undefined) target[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = usage.cacheWriteTokens;
  if (usage.cacheWrite1hTokens !== undefined) target[ATTR_USAGE_CACHE_CREATION_1H_INPUT_TOKENS] = usage.cacheWrite1hTokens;
  if (usage.reasoningTokens !== undefined) target[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
  if (usage.audioInputTokens !== undefined) target[ATTR_USAGE_AUDIO_INPUT_TOKENS] = usage.audioInputTokens;
  if (usage.audioOutputTokens !== undefined) target[ATTR_USAGE_AUDIO_OUTPUT_TOKENS] = usage.audioOutputTokens;
}

/** Cost attributes from a pricing result; returns the total in USD, or undefined when unpriced. */
export function setCostAttributes(target: Attributes, cost: CostResult | undefined): number | undefined {
  if (!cost) return undefined;
  if (cost.flags.unknownModel || !cost.breakdown) {
    target[ATTR_PRICING_STATUS] = 'unknown_model';
    target[ATTR_PRICING_VERSION] = cost.pricingVersion;
    return undefined;
  }
  const b = cost.breakdown;
  target[ATTR_GEN_AI_USAGE_COST_AMOUNT] = b.total;
  target[ATTR_GEN_AI_USAGE_COST_CURRENCY] = COST_CURRENCY;
  target[ATTR_GEN_AI_USAGE_COST_SOURCE] = COST_SOURCE.LOCAL;
  // Only the parts that cost something: a zero part adds bytes to every exported span and says
  // nothing the usage attributes do not (no cache write tokens, no reasoning tokens).
  if (b.input !== 0) target[ATTR_COST_INPUT] = b.input;
  if (b.cacheRead !== 0) target[ATTR_COST_CACHE_READ] = b.cacheRead;
  if (b.cacheWrite !== 0) target[ATTR_COST_CACHE_WRITE] = b.cacheWrite;
  if (b.output !== 0) target[ATTR_COST_OUTPUT] = b.output;
  if (b.reasoning !== 0) target[ATTR_COST_REASONING] = b.reasoning;
  if (cost.pricingModel !== undefined) target[ATTR_PRICING_MODEL] = cost.pricingModel;
  target[ATTR_PRICING_VERSION] = cost.pricingVersion;
  const { tierApplied, adjustments } = cost.flags;
  if (tierApplied || adjustments.length > 0) {
    target[ATTR_PRICING_ADJUSTMENTS] = (tierApplied ? [`tier:${tierApplied}`, ...adjustments] : adjustments).join(',');
  }
  return b.total;
}

/**
 * A failure the provider reported inside an otherwise successful response (e.g. a `response.failed`
 * stream event), with the provider's own error code as its `error.type`.
 */
export class GenAIResponseError extends Error {
  /** The value for `error.type`. */
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.name = 'GenAIResponseError';
    this.type = type;
  }
}

/**
 * `error.type`: the error's class name (e.g. `RateLimitError`, `APIUserAbortError`), which the SDKs
 * keep stable and low in cardinality; `_OTHER` when there is none.
 */
export function errorTypeOf(error: unknown): string {
  if (error instanceof GenAIResponseError) return error.type;
  if (error instanceof Error) {
    const name = error.constructor?.name;
    return name && name !== 'Object' ? name : error.name || '_OTHER';
  }
  return '_OTHER';
}
