import { ValueType } from '@opentelemetry/api';
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_TOKEN_TYPE,
  DURATION_BUCKETS,
  GEN_AI_TOKEN_TYPE,
  METRIC_COST,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  TOKEN_USAGE_BUCKETS,
} from '@spendtrace/semconv';

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

  record(
    labels: Attributes,
    durationSeconds: number,
    tokens: { input?: number; output?: number } | undefined,
    costUsd: number | undefined,
    timeToFirstChunkSeconds: number | undefined,
  ): void {
    this.duration.record(durationSeconds, labels);
    if (timeToFirstChunkSeconds !== undefined) this.timeToFirstChunk.record(timeToFirstChunkSeconds, labels);
    if (tokens?.input !== undefined) this.tokenUsage.record(tokens.input, { ...labels, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE.INPUT });
    if (tokens?.output !== undefined) this.tokenUsage.record(tokens.output, { ...labels, [ATTR_GEN_AI_TOKEN_TYPE]: GEN_AI_TOKEN_TYPE.OUTPUT });
    if (costUsd !== undefined) this.cost.add(costUsd, labels);
  }
}
