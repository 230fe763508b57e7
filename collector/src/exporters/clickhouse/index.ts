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
export { spanRow, callRow, workflowRow, attributeToString } from './rows.ts';
