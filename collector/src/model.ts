/**
 * The data that flows through the collector's pipeline:
 *   receiver → queue → decode → normalize → price → dedupe → workflow → exporters.
 * Receivers produce `Span`s; processors attach `GenAICall`s and `WorkflowRow`s to the batch.
 */

/** An OTLP AnyValue, decoded. int64 values are numbers when they fit in 2^53, bigint otherwise. */
export type AttrValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | null
  | AttrValue[]
  | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
  schemaUrl: string;
}

export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

/** OTLP span kind enum values. */
export const SpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
/** OTLP status code enum values. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** One span with its resource and scope (shared objects, not copies). Ids are lower-case hex. */
export interface Span {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: { code: number; message: string };
  resource: Resource;
  resourceSchemaUrl: string;
  scope: Scope;
  scopeSchemaUrl: string;
}

/** One row of `genai_calls`: a priced, attributed LLM call (OTel token semantics). */
export interface GenAICall {
  timestampNs: bigint;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  spanName: string;
  serviceName: string;
  environment: string;
  provider: string;
  operation: string;
  requestModel: string;
  responseModel: string;
  responseId: string;
  pricingModel: string;
  pricingVersion: string;
  /** '' when priced, 'unknown_model' when no catalog entry matched. */
  pricingStatus: string;
  feature: string;
  userId: string;
  customerId: string;
  team: string;
  promptName: string;
  promptVersion: string;
  workflowName: string;
  agentName: string;
  conversationId: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  costInputUsd: number;
  costCacheReadUsd: number;
  costCacheWriteUsd: number;
  costOutputUsd: number;
  costReasoningUsd: number;
  /** 'local' | 'provider' | '' (unknown). */
  costSource: string;
  durationNs: bigint;
  /** 0 when not streamed or not measured. */
  timeToFirstChunkNs: bigint;
  streaming: boolean;
  errorType: string;
  finishReasons: string[];
  /** The instrumentation scope that produced the span (which dialect it came from). */
  scopeName: string;
}

/** One row of `genai_workflows`: trace-level sums. Later spans of a flushed trace produce delta rows. */
export interface WorkflowRow {
  traceId: string;
  /** 0 for the first flush, 1.. for delta rows from late spans. */
  revision: number;
  firstTimestampNs: bigint;
  lastTimestampNs: bigint;
  durationNs: bigint;
  rootSpanName: string;
  serviceName: string;
  environment: string;
  workflowName: string;
  agentName: string;
  feature: string;
  userId: string;
  customerId: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  unpricedCalls: number;
  models: string[];
  tools: string[];
  spans: number;
}

/** What flows between pipeline stages. Processors may fill `calls` and `workflows`. */
export interface PipelineBatch {
  spans: Span[];
  calls: GenAICall[];
  workflows: WorkflowRow[];
}

/** A pipeline stage in the spirit of the OpenTelemetry Collector's processors. */
export interface Processor {
  readonly name: string;
  process(batch: PipelineBatch): PipelineBatch | Promise<PipelineBatch>;
  /** Emit anything buffered (e.g. open workflows) on shutdown or drain. */
  flush?(): PipelineBatch | Promise<PipelineBatch>;
  shutdown?(): Promise<void>;
}

/** A sink for processed batches. `export` resolves only once the data is durably written. */
export interface Exporter {
  readonly name: string;
  start?(): Promise<void>;
  export(batch: PipelineBatch): Promise<void>;
  /**
   * Optional two-step export. `prepare` turns a batch into the exporter's own form at once (e.g.
   * encoded rows), so the batch's spans and calls can be dropped while they are young, and
   * `exportPrepared` exports several prepared parts, in order, as `export` exports one batch: the
   * consumer processes a large batch in small parts this way (see pipeline/consumer.ts). Exporters
   * without it get the parts' batches merged into one `export`.
   */
  prepare?(batch: PipelineBatch): unknown;
  exportPrepared?(parts: readonly unknown[]): Promise<void>;
  /**
   * Optional, with `prepare`: a prepared part will not be exported again (its export succeeded), so
   * the exporter may reuse its memory. Parts never released are garbage collected as usual.
   */
  release?(prepared: unknown): void;
  shutdown(): Promise<void>;
}
