import type { Attributes, PipelineBatch, Resource, Scope, Span } from '../src/model.ts';

/** Builders for processor tests: spans as the decoders produce them. */

export const TRACE_A = '0af7651916cd43dd8448eb211c80319c';
export const TRACE_B = '4bf92f3577b34da6a3ce929d0e0e4736';

export function resource(attributes: Attributes = { 'service.name': 'checkout', 'deployment.environment.name': 'prod' }): Resource {
  return { attributes, droppedAttributesCount: 0, schemaUrl: '' };
}

export function scope(name = 'test-scope'): Scope {
  return { name, version: '1.0.0', attributes: {} };
}

let nextSpan = 1;
export function spanId(): string {
  return (nextSpan++).toString(16).padStart(16, '0');
}

export interface SpanInit {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  attributes?: Attributes;
  resource?: Resource;
  scope?: Scope;
  startMs?: number;
  durationMs?: number;
  status?: number;
}

export function span(init: SpanInit = {}): Span {
  const start = BigInt(init.startMs ?? Date.UTC(2026, 0, 15, 12, 0, 0)) * 1_000_000n;
  const end = start + BigInt(init.durationMs ?? 1000) * 1_000_000n;
  return {
    traceId: init.traceId ?? TRACE_A,
    spanId: init.spanId ?? spanId(),
    parentSpanId: init.parentSpanId ?? '',
    traceState: '',
    flags: 1,
    name: init.name ?? 'chat gpt-5.4-mini',
    kind: 3,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: init.attributes ?? {},
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: init.status ?? 0, message: '' },
    resource: init.resource ?? resource(),
    resourceSchemaUrl: '',
    scope: init.scope ?? scope(),
    scopeSchemaUrl: '',
  };
}

export function batchOf(spans: Span[]): PipelineBatch {
  return { spans, calls: [], workflows: [] };
}
