import type { Span } from '../model.ts';

/*
 * Which spans a receiver refuses. A span without a usable trace id or span id cannot be stored,
 * deduplicated or joined into a trace, so it is rejected (counted in partial_success) instead of
 * failing the whole request. Both decoders apply the same rule so a request decodes to the same
 * spans whichever encoding carried it.
 */

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** Why a span is rejected, or '' when it is acceptable. Ids are lower-case hex. */
export function spanIdProblem(traceId: string, spanId: string): string {
  if (traceId.length !== 32) return `trace id must be 16 bytes, got ${traceId.length / 2}`;
  if (traceId === ZERO_TRACE_ID) return 'trace id is all zeros';
  if (spanId.length !== 16) return `span id must be 8 bytes, got ${spanId.length / 2}`;
  if (spanId === ZERO_SPAN_ID) return 'span id is all zeros';
  return '';
}

/** An all-zero parent id means "no parent" to some SDKs; the model spells a root as ''. */
export function normalizeParentSpanId(parentSpanId: string): string {
  return parentSpanId === ZERO_SPAN_ID ? '' : parentSpanId;
}

/** Collects rejections while a request decodes and phrases the partial_success message. */
export class RejectionTally {
  count = 0;
  private firstReason = '';

  reject(span: Pick<Span, 'traceId' | 'spanId'>, reason: string): void {
    if (this.count === 0) this.firstReason = `span ${span.spanId || '(empty)'} of trace ${span.traceId || '(empty)'}: ${reason}`;
    this.count++;
  }

  message(): string {
    if (this.count === 0) return '';
    const more = this.count > 1 ? ` (and ${this.count - 1} more)` : '';
    return `rejected ${this.count} span${this.count > 1 ? 's' : ''} with invalid ids; first: ${this.firstReason}${more}`;
  }
}
