import { type Counter, type Gauge, MetricsRegistry } from './metrics.ts';

/** Every self-metric the collector exposes, created once and handed to the components that bump them. */
export interface CollectorMetrics {
  registry: MetricsRegistry;
  receivedRequests: Counter;
  receivedSpans: Counter;
  rejectedSpans: Counter;
  /** Requests refused (by status code label). */
  refusedRequests: Counter;
  calls: Counter;
  pricedCalls: Counter;
  providerCostCalls: Counter;
  unknownModelCalls: Counter;
  duplicateSpans: Counter;
  duplicateCalls: Counter;
  exportedRows: Counter;
  exportRetries: Counter;
  droppedBatches: Counter;
  processingErrors: Counter;
  workflowRows: Counter;
  evictedTraces: Counter;
  workflowBufferTraces: Gauge;
  workflowBufferSpans: Gauge;
  queueBytes: Gauge;
  queueUnreadBytes: Gauge;
}

export function createCollectorMetrics(registry = new MetricsRegistry()): CollectorMetrics {
  return {
    registry,
    receivedRequests: registry.counter('spendtrace_receiver_requests_total', 'OTLP export requests accepted and queued.'),
    receivedSpans: registry.counter('spendtrace_receiver_spans_total', 'Spans accepted by the receiver.'),
    rejectedSpans: registry.counter('spendtrace_receiver_rejected_spans_total', 'Spans refused in partial_success (invalid ids).'),
    refusedRequests: registry.counter('spendtrace_receiver_refused_requests_total', 'Requests answered with an error status, by status code.'),
    calls: registry.counter('spendtrace_calls_total', 'LLM calls recognised by the normalize processor.'),
    pricedCalls: registry.counter('spendtrace_priced_calls_total', 'Calls priced from the catalog.'),
    providerCostCalls: registry.counter('spendtrace_provider_cost_calls_total', 'Calls whose cost was reported by the provider or library.'),
    unknownModelCalls: registry.counter('spendtrace_unknown_model_calls_total', 'Calls whose model matched no catalog entry, by provider and model.'),
    duplicateSpans: registry.counter('spendtrace_duplicate_spans_total', 'Spans dropped because the same span id was already processed.'),
    duplicateCalls: registry.counter('spendtrace_duplicate_calls_total', 'Calls dropped because two instrumentations described the same call.'),
    exportedRows: registry.counter('spendtrace_exporter_rows_total', 'Rows or spans committed by an exporter, by exporter and table.'),
    exportRetries: registry.counter('spendtrace_exporter_retries_total', 'Export attempts retried, by exporter.'),
    droppedBatches: registry.counter('spendtrace_exporter_dropped_batches_total', 'Batches an exporter gave up on, by exporter.'),
    processingErrors: registry.counter('spendtrace_pipeline_errors_total', 'Queue records that could not be decoded or processed.'),
    workflowRows: registry.counter('spendtrace_workflow_rows_total', 'Workflow rows emitted, by kind (final or delta).'),
    evictedTraces: registry.counter('spendtrace_workflow_evicted_traces_total', 'Traces flushed early because the workflow buffer was full, by reason.'),
    workflowBufferTraces: registry.gauge('spendtrace_workflow_buffer_traces', 'Traces buffered by the workflow processor.'),
    workflowBufferSpans: registry.gauge('spendtrace_workflow_buffer_spans', 'Spans buffered by the workflow processor.'),
    queueBytes: registry.gauge('spendtrace_queue_bytes', 'Bytes in the disk queue not yet acknowledged (exported).'),
    queueUnreadBytes: registry.gauge('spendtrace_queue_unread_bytes', 'Bytes in the disk queue not yet read by the pipeline.'),
  };
}
