import { ValueType } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DURATION_BUCKETS,
  GEN_AI_TOKEN_TYPE,
  METRIC_COST,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  TOKEN_USAGE_BUCKETS,
} from '@spendtrace/semconv';

/** One set of metric labels, with the token-type variants the token histogram needs. */
export interface MetricLabels {
  base: Attributes;
  input: Attributes;
  output: Attributes;
}

interface LabelParts {
  operation: string;
  provider: string;
  requestModel: string | undefined;
  responseModel: string | undefined;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  errorType: string | undefined;
  attribution: Attributes;
  labels: MetricLabels;
}

/** Label sets are few (bounded by design: models, servers, allowlisted attribution), so they are kept. */
const MAX_LABEL_SETS = 1000;

/** The instruments one meter provides; rebuilt when the instrumentation is given a new meter provider. */
export class GenAIMetrics {
  readonly meter: Meter;
  readonly tokenUsage: Histogram;
  readonly duration: Histogram;
  readonly timeToFirstChunk: Histogram;
  readonly cost: Counter;

  constructor(meter: Meter) {
    this.meter = meter;
    this.tokenUsage = meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      description: 'Number of input and output tokens used',
      unit: '{token}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: [...TOKEN_USAGE_BUCKETS] },
    });
    this.duration = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
      description: 'GenAI operation duration',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.timeToFirstChunk = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK, {
      description: 'Time from issuing a streamed GenAI request to receiving its first chunk',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.cost = meter.createCounter(METRIC_COST, {
      description: 'Cost of GenAI calls priced with the spendtrace catalog',
      unit: 'USD',
    });
  }

  private readonly labelSets = new Map<string, MetricLabels>();
  /** The label set of the previous call: consecutive calls mostly share one, and comparing its parts is cheaper than building a key. */
  private last: LabelParts | undefined;

  /**
   * The label objects for one combination of label values, built once and then reused: every call
   * would otherwise allocate three objects for the same few label sets. The SDK does not modify
   * attributes it is given. `attribution` must be a shared object (see `metricAttributionAttributes`).
   */
  labels(
    operation: string,
    provider: string,
    requestModel: string | undefined,
    responseModel: string | undefined,
    serverAddress: string | undefined,
    serverPort: number | undefined,
    errorType: string | undefined,
    attribution: Attributes,
  ): MetricLabels {
    const last = this.last;
    if (
      last !== undefined &&
      last.requestModel === requestModel &&
      last.responseModel === responseModel &&
      last.operation === operation &&
      last.provider === provider &&
      last.serverAddress === serverAddress &&
      last.serverPort === serverPort &&
      last.errorType === errorType &&
      last.attribution === attribution
    ) {
      return last.labels;
    }
    let key = `${operation}\0${provider}\0${requestModel}\0${responseModel}\0${serverAddress}\0${serverPort}\0${errorType}`;
    for (const attribute in attribution) key += `\0${attribute}=${String(attribution[attribute])}`;
    let set = this.labelSets.get(key);
    if (set === undefined) {
      if (this.labelSets.size >= MAX_LABEL_SETS) this.labelSets.clear();
      const base: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [ATTR_GEN_AI_PROVIDER_NAME]: provider, ...attribution };
      if (requestModel !== undefined) base[ATTR_GEN_AI_REQUEST_MODEL] = requestModel;
      if (responseModel !== undefined) base[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
      if (serverAddress !== undefined) base[ATTR_SERVER_ADDRESS] = serverAddress;
      if (serverPort !== undefined) base[ATTR_SERVER_PORT] = serverPort;
      if (errorType !== undefined) base[ATTR_ERROR_TYPE] = errorType;
      set = {
        base,
        input: { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE.INPUT },
        output: { ...base, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE.OUTPUT },
      };
      this.labelSets.set(key, set);
    }
    this.last = { operation, provider, requestModel, responseModel, serverAddress, serverPort, errorType, attribution, labels: set };
    return set;
  }

  record(
    labels: MetricLabels,
    durationSeconds: number,
    inputTokens: number | undefined,
    outputTokens: number | undefined,
    costUsd: number | undefined,
    timeToFirstChunkSeconds: number | undefined,
  ): void {
    this.duration.record(durationSeconds, labels.base);
    if (timeToFirstChunkSeconds !== undefined) this.timeToFirstChunk.record(timeToFirstChunkSeconds, labels.base);
    if (inputTokens !== undefined) this.tokenUsage.record(inputTokens, labels.input);
    if (outputTokens !== undefined) this.tokenUsage.record(outputTokens, labels.output);
    if (costUsd !== undefined) this.cost.add(costUsd, labels.base);
  }
}
