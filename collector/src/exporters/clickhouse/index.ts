export {
  ClickHouseExporter,
  ClickHouseExportError,
  createClickHouseExporter,
  DEFAULT_BATCH,
  type BatchOptions,
  type ClickHouseExporterOptions,
  type ExporterTelemetry,
  type MigrateOnStart,
} from './exporter.ts';
export { DEFAULT_RETRY, isRetryableError, backoffDelay, withRetries, type RetryOptions, type RetryHooks } from './retry.ts';
export { encodeBlock, SPAN_COLUMNS, CALL_COLUMNS, WORKFLOW_COLUMNS, type Column } from './blocks.ts';
export { attributeToString } from './attribute-string.ts';
export { NativeWriter, LowCardinalityWriter } from './native.ts';
