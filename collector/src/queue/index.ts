export { DiskQueue } from './disk-queue.ts';
export type { AppendResult, DiskQueueOptions, DiskQueueStats, QueueBatch, QueuePosition, ReadOptions } from './disk-queue.ts';
export { decodeTraceRecord, encodeTraceRecord } from './trace-record.ts';
