/**
 * @spendtrace/collector: the OTLP collector that prices GenAI spans, sums agent workflows and
 * writes to ClickHouse. The CLI (`spendtrace collector`) is the usual entry point; these exports let
 * tests, benchmarks and embedders assemble the same components.
 */
export type * from './model.ts';
export { SpanKind, StatusCode } from './model.ts';

// The assembled service and its configuration.
export { startCollector, loadPriceCatalog, type RunningCollector, type StartOptions } from './collector.ts';
export { loadConfig, substituteEnv, ENV_OVERRIDES, type ConfigFlags } from './config/load.ts';
export { parseConfig, ConfigError, parseDuration, parseBytes } from './config/parse.ts';
export { defaultConfig, type CollectorConfig } from './config/types.ts';

// Processors.
export { NormalizeProcessor, collapseDoubleInstrumentation } from './processors/normalize/normalize.ts';
export { readCall, type CallReading, type Reading } from './processors/normalize/dialects.ts';
export { canonicalProvider, canonicalTokens, type RawUsage, type CanonicalTokens } from './processors/normalize/providers.ts';
export { PriceProcessor, recordCallMetrics, annotateSpan, UNKNOWN_MODEL } from './processors/price.ts';
export { DedupeProcessor } from './processors/dedupe.ts';
export { WorkflowProcessor, annotateRoot, DEFAULT_WORKFLOW_OPTIONS, type WorkflowOptions } from './processors/workflow.ts';

// Pipeline.
export { Pipeline, ExportFailure, emptyBatch } from './pipeline/pipeline.ts';
export { QueueConsumer, type ConsumerOptions, type RecordDecoder } from './pipeline/consumer.ts';
export { GroupLog } from './pipeline/group-log.ts';

// Exporters.
export { OtlpForwardExporter, retryAfterMs, type OtlpForwardOptions } from './exporters/otlp/exporter.ts';
export { encodeTraceRequestProtobuf } from './exporters/otlp/protobuf-encode.ts';

// Self-telemetry.
export { MetricsRegistry, Counter, Gauge, PROMETHEUS_CONTENT_TYPE } from './telemetry/metrics.ts';
export { createCollectorMetrics, type CollectorMetrics } from './telemetry/collector-metrics.ts';
export { startMetricsServer, type MetricsServer } from './telemetry/server.ts';
