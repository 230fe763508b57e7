import {
  ATTR_COST_CACHE_READ,
  ATTR_COST_CACHE_WRITE,
  ATTR_COST_INPUT,
  ATTR_COST_OUTPUT,
  ATTR_COST_REASONING,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_COST_CURRENCY,
  ATTR_GEN_AI_USAGE_COST_SOURCE,
  ATTR_PRICING_MODEL,
  ATTR_PRICING_STATUS,
  ATTR_PRICING_VERSION,
  ATTR_REQUEST_BATCH,
  ATTR_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_USAGE_CACHE_CREATION_1H_INPUT_TOKENS,
  ATTR_CLOUD_REGION,
  COST_CURRENCY,
  COST_SOURCE,
} from '@spendtrace/semconv';
import type { CanonicalUsage, PriceCatalog, PriceQuery } from '@spendtrace/pricing';
import type { GenAICall, PipelineBatch, Processor, Span } from '../model.ts';
import { firstString, readBoolean, readNumber, readString } from './attributes.ts';
import type { CollectorMetrics } from '../telemetry/collector-metrics.ts';

export const UNKNOWN_MODEL = 'unknown_model';

/** Where a call's service tier may be found, our own attribute first. */
const SERVICE_TIER_NAMES = [ATTR_REQUEST_SERVICE_TIER, ATTR_OPENAI_RESPONSE_SERVICE_TIER, ATTR_OPENAI_REQUEST_SERVICE_TIER];

/**
 * price: the authoritative cost of every call from the catalog (with the user's overrides), at the
 * call's own start time so a replay or a late span is priced as it was billed. A cost the provider
 * reported is kept as-is (`costSource = provider`); a cost the app computed locally is replaced.
 * Unknown models are flagged and counted per model name, never priced as zero silently.
 * Priced call spans get the cost attributes so forwarded spans carry them too.
 */
export class PriceProcessor implements Processor {
  readonly name = 'price';
  private readonly catalog: PriceCatalog;

  constructor(catalog: PriceCatalog) {
    this.catalog = catalog;
  }

  process(batch: PipelineBatch): PipelineBatch {
    if (batch.calls.length === 0) return batch;
    let spansById: Map<string, Span> | undefined;
    for (const call of batch.calls) {
      spansById ??= indexSpans(batch.spans);
      const span = spansById.get(call.spanId);
      this.price(call, span);
      if (span) annotateSpan(span, call);
    }
    return batch;
  }

  price(call: GenAICall, span: Span | undefined): void {
    const model = call.responseModel || call.requestModel;
    const query: PriceQuery = { provider: call.provider, model, at: Number(call.timestampNs / 1_000_000n) };
    let usage: CanonicalUsage = {
      inputTokens: call.inputTokens,
      outputTokens: call.outputTokens,
      cacheReadTokens: call.cacheReadTokens,
      cacheWriteTokens: call.cacheWriteTokens,
      reasoningTokens: call.reasoningTokens,
    };
    if (span) {
      const a = span.attributes;
      const tier = firstString(a, SERVICE_TIER_NAMES);
      if (tier !== '') query.serviceTier = tier;
      const batchApi = readBoolean(a, ATTR_REQUEST_BATCH);
      if (batchApi !== undefined) query.batch = batchApi;
      const region = readString(a, ATTR_CLOUD_REGION) || readString(span.resource.attributes, ATTR_CLOUD_REGION);
      if (region !== '') query.region = region;
      const oneHour = readNumber(a, ATTR_USAGE_CACHE_CREATION_1H_INPUT_TOKENS);
      if (oneHour !== undefined) usage = { ...usage, cacheWrite1hTokens: oneHour };
    }
    let result;
    try {
      result = this.catalog.cost(query, usage);
    } catch {
      // A catalog that cannot price this query (bad model id form) is an unknown model, not a lost batch.
      result = undefined;
    }
    call.pricingVersion = result?.pricingVersion ?? this.catalog.version;
    call.pricingModel = result?.pricingModel ?? '';
    if (call.costSource === COST_SOURCE.PROVIDER) return;
    if (!result || result.flags.unknownModel || !result.breakdown) {
      call.pricingStatus = UNKNOWN_MODEL;
      call.costSource = '';
      call.costUsd = 0;
      return;
    }
    const b = result.breakdown;
    call.costUsd = b.total;
    call.costInputUsd = b.input;
    call.costCacheReadUsd = b.cacheRead;
    call.costCacheWriteUsd = b.cacheWrite;
    call.costOutputUsd = b.output;
    call.costReasoningUsd = b.reasoning;
    call.costSource = COST_SOURCE.LOCAL;
    call.pricingStatus = '';
  }
}

/**
 * Counts calls by how they were priced. Called on what leaves the pipeline (after dedupe), so a
 * span delivered twice is counted once, like the rows.
 */
export function recordCallMetrics(metrics: CollectorMetrics, calls: readonly GenAICall[]): void {
  for (const call of calls) {
    metrics.calls.inc();
    if (call.pricingStatus === UNKNOWN_MODEL) metrics.unknownModelCalls.inc(1, { provider: call.provider, model: call.responseModel || call.requestModel });
    else if (call.costSource === COST_SOURCE.PROVIDER) metrics.providerCostCalls.inc();
    else if (call.costSource === COST_SOURCE.LOCAL) metrics.pricedCalls.inc();
  }
}

function indexSpans(spans: Span[]): Map<string, Span> {
  const map = new Map<string, Span>();
  for (const s of spans) map.set(s.spanId, s);
  return map;
}

/** Writes the call's cost onto its span (replacing an app-computed local cost) for the forward exporter. */
export function annotateSpan(span: Span, call: GenAICall): void {
  const a = span.attributes;
  if (call.pricingModel !== '') a[ATTR_PRICING_MODEL] = call.pricingModel;
  if (call.pricingVersion !== '') a[ATTR_PRICING_VERSION] = call.pricingVersion;
  if (call.pricingStatus !== '') {
    a[ATTR_PRICING_STATUS] = call.pricingStatus;
    delete a[ATTR_GEN_AI_USAGE_COST_AMOUNT];
    delete a[ATTR_GEN_AI_USAGE_COST_SOURCE];
    return;
  }
  a[ATTR_GEN_AI_USAGE_COST_AMOUNT] = call.costUsd;
  a[ATTR_GEN_AI_USAGE_COST_CURRENCY] = COST_CURRENCY;
  a[ATTR_GEN_AI_USAGE_COST_SOURCE] = call.costSource;
  if (call.costSource === COST_SOURCE.LOCAL) {
    a[ATTR_COST_INPUT] = call.costInputUsd;
    a[ATTR_COST_CACHE_READ] = call.costCacheReadUsd;
    a[ATTR_COST_CACHE_WRITE] = call.costCacheWriteUsd;
    a[ATTR_COST_OUTPUT] = call.costOutputUsd;
    a[ATTR_COST_REASONING] = call.costReasoningUsd;
  }
}
