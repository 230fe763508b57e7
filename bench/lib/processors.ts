/**
 * The collector's processors in pipeline order, configured as the ingest bench configures its
 * collector (the workflow quiet window shortened to 1 s), for the benchmarks that run them in-process.
 */
import { defaultCatalog } from '../../packages/pricing/src/index.ts';
import { NormalizeProcessor } from '../../collector/src/processors/normalize/normalize.ts';
import { PriceProcessor } from '../../collector/src/processors/price.ts';
import { DedupeProcessor } from '../../collector/src/processors/dedupe.ts';
import { WorkflowProcessor } from '../../collector/src/processors/workflow.ts';
import type { Processor } from '../../collector/src/model.ts';

export function benchProcessors(): Processor[] {
  return [new NormalizeProcessor(), new PriceProcessor(defaultCatalog()), new DedupeProcessor({ maxEntries: 200_000 }), new WorkflowProcessor({ quietWindowMs: 1000 })];
}
