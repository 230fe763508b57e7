/**
 * Pipeline records → Native blocks (./native.ts) for the spendtrace tables. Each table's column
 * list names the columns in the order its encoder writes them; the INSERT names them too, so a
 * column added to a table later (with a default) does not shift the others.
 *
 * `otel_traces` rows follow the OpenTelemetry Collector contrib ClickHouse exporter's representation:
 * span kind and status code as their enum names, attributes as Map(String, String) with every value
 * as a string (./attribute-string.ts), events and links as the Nested columns' parallel arrays.
 */
import type { Attributes, AttrValue, GenAICall, Resource, Span, WorkflowRow } from '../../model.ts';
import { attributeToString } from './attribute-string.ts';
import { encodeStrings, LowCardinalityWriter, NativeWriter } from './native.ts';
import type { BufferPool } from '../../buffer-pool.ts';

export interface Column<Row> {
  name: string;
  /** The column's type, exactly as in the table (ClickHouse would otherwise convert every value). */
  type: string;
  write(writer: NativeWriter, rows: readonly Row[], from: number, to: number): void;
}

/**
 * Bytes per row of the last block of each column set: the next block's buffer is sized from it, so
 * it is allocated once instead of growing (and being copied) two or three times.
 */
const bytesPerRow = new WeakMap<readonly Column<never>[], number>();
/** A block of a few huge rows must not make the next block of many rows allocate gigabytes up front. */
const MAX_ESTIMATED_BYTES_PER_ROW = 4096;

/**
 * Encodes rows `from`..`to` of `rows` as one Native block of `columns`; with `pool`, into a buffer
 * of the pool (the block is a view of it from offset 0).
 */
export function encodeBlock<Row>(columns: readonly Column<Row>[], rows: readonly Row[], from = 0, to = rows.length, pool?: BufferPool): Buffer {
  const perRow = bytesPerRow.get(columns) ?? 256;
  const writer = new NativeWriter(Math.ceil((to - from) * perRow * 1.125) + 1024, pool);
  writer.block(columns.length, to - from);
  for (const column of columns) {
    writer.column(column.name, column.type);
    column.write(writer, rows, from, to);
  }
  const bytes = writer.bytes();
  if (to > from) bytesPerRow.set(columns, Math.min(MAX_ESTIMATED_BYTES_PER_ROW, bytes.length / (to - from)));
  return bytes;
}

// Column builders. One closure per column keeps each loop over the rows tight.
function stringColumn<Row>(name: string, get: (row: Row) => string): Column<Row> {
  return { name, type: 'String', write: (w, rows, from, to) => { for (let i = from; i < to; i++) w.string(get(rows[i]!)); } };
}
function lowCardinalityColumn<Row>(name: string, get: (row: Row) => string): Column<Row> {
  return {
    name,
    type: 'LowCardinality(String)',
    write: (w, rows, from, to) => {
      LowCardinalityWriter.writeVersion(w);
      const values = new LowCardinalityWriter(to - from);
      for (let i = from; i < to; i++) values.add(get(rows[i]!));
      values.writeTo(w);
    },
  };
}
function uint64Column<Row>(name: string, get: (row: Row) => number | bigint): Column<Row> {
  return { name, type: 'UInt64', write: (w, rows, from, to) => { for (let i = from; i < to; i++) w.uint64(get(rows[i]!)); } };
}
function uint32Column<Row>(name: string, get: (row: Row) => number): Column<Row> {
  return { name, type: 'UInt32', write: (w, rows, from, to) => { for (let i = from; i < to; i++) w.uint32(get(rows[i]!)); } };
}
function float64Column<Row>(name: string, get: (row: Row) => number): Column<Row> {
  return { name, type: 'Float64', write: (w, rows, from, to) => { for (let i = from; i < to; i++) w.float64(get(rows[i]!)); } };
}
function dateTimeColumn<Row>(name: string, get: (row: Row) => bigint): Column<Row> {
  return { name, type: 'DateTime64(9)', write: (w, rows, from, to) => { for (let i = from; i < to; i++) w.dateTime64(get(rows[i]!)); } };
}
function boolColumn<Row>(name: string, get: (row: Row) => boolean): Column<Row> {
  return { name, type: 'Bool', write: (w, rows, from, to) => { for (let i = from; i < to; i++) w.bool(get(rows[i]!)); } };
}

/** An Array(LowCardinality(String)) column: the version, every row's end offset, then all elements. */
function lowCardinalityArrayColumn<Row, Item = string>(
  name: string,
  get: (row: Row) => readonly Item[],
  text: (item: Item) => string = (item) => item as unknown as string,
): Column<Row> {
  return {
    name,
    type: 'Array(LowCardinality(String))',
    write: (w, rows, from, to) => {
      LowCardinalityWriter.writeVersion(w);
      let offset = 0;
      for (let i = from; i < to; i++) w.uint64((offset += get(rows[i]!).length));
      const values = new LowCardinalityWriter();
      for (let i = from; i < to; i++) for (const item of get(rows[i]!)) values.add(text(item));
      values.writeTo(w);
    },
  };
}

/** An Array(T) column over a per-row list, T written element by element. */
function arrayColumn<Row, Item>(name: string, type: string, get: (row: Row) => readonly Item[], writeItem: (w: NativeWriter, item: Item) => void): Column<Row> {
  return {
    name,
    type: `Array(${type})`,
    write: (w, rows, from, to) => {
      let offset = 0;
      for (let i = from; i < to; i++) w.uint64((offset += get(rows[i]!).length));
      for (let i = from; i < to; i++) for (const item of get(rows[i]!)) writeItem(w, item);
    },
  };
}

const ATTRIBUTE_MAP = 'Map(LowCardinality(String), String)';

/** An Array(Map(LowCardinality(String), String)) column over per-row attribute sets (events, links). */
function attributeMapArrayColumn<Row, Item extends { attributes: Attributes }>(name: string, get: (row: Row) => readonly Item[]): Column<Row> {
  return {
    name,
    type: `Array(${ATTRIBUTE_MAP})`,
    write: (w, rows, from, to) => {
      LowCardinalityWriter.writeVersion(w);
      let offset = 0;
      for (let i = from; i < to; i++) w.uint64((offset += get(rows[i]!).length));
      const maps: Attributes[] = [];
      for (let i = from; i < to; i++) for (const item of get(rows[i]!)) maps.push(item.attributes);
      writeAttributeMaps(w, maps, 0, maps.length);
    },
  };
}

/**
 * A run of Map(LowCardinality(String), String) values after the keys' version: every map's end
 * offset, then every key, then every value.
 *
 * Attribute sets from one instrumentation list the same keys in the same order, so the key at each
 * position is first compared (by identity: the decoder hands out one string per key) with the key
 * seen at that position before, which saves most dictionary lookups.
 */
function writeAttributeMaps(w: NativeWriter, maps: readonly Attributes[], from: number, to: number): void {
  let offset = 0;
  // Sized from the previous run's map size: one allocation instead of a series of doublings.
  const keys = new LowCardinalityWriter((to - from) * Math.max(1, lastKeys.length));
  // Values wait in a module-level array that is never shrunk (shrinking would free its storage).
  const values = valueScratch;
  let count = 0;
  for (let i = from; i < to; i++) {
    const attributes = maps[i]!;
    let position = 0;
    for (const key in attributes) {
      if (position < lastKeys.length && lastKeys[position] === key) keys.addId(lastIds[position]!);
      else {
        lastKeys[position] = key;
        lastIds[position] = keys.add(key);
      }
      position++;
      values[count++] = attributes[key]!;
    }
    offset += position;
    w.uint64(offset);
  }
  keys.writeTo(w);
  for (let i = 0; i < count; i++) {
    w.attributeValue(values[i]!);
    values[i] = null;
  }
  // Ids belong to this run's dictionary: clear them, keeping the arrays' storage.
  lastKeys.fill(undefined);
}
const valueScratch: AttrValue[] = [];
// The key at each position of the last attribute map written, and its id in the current dictionary.
const lastKeys: (string | undefined)[] = [];
const lastIds: number[] = [];

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** A resource's attribute map pre-encoded: the spans of one request share one resource object. */
interface EncodedResource {
  keys: string[];
  values: Buffer;
}
const encodedResources = new WeakMap<Resource, EncodedResource>();

function encodedResource(resource: Resource): EncodedResource {
  let encoded = encodedResources.get(resource);
  if (encoded === undefined) {
    const keys = Object.keys(resource.attributes);
    encoded = { keys, values: encodeStrings(keys.map((key) => attributeToString(resource.attributes[key]!))) };
    encodedResources.set(resource, encoded);
  }
  return encoded;
}

const resourceAttributesColumn: Column<Span> = {
  name: 'ResourceAttributes',
  type: ATTRIBUTE_MAP,
  write: (w, rows, from, to) => {
    LowCardinalityWriter.writeVersion(w);
    let offset = 0;
    const keys = new LowCardinalityWriter();
    for (let i = from; i < to; i++) {
      const resource = encodedResource(rows[i]!.resource);
      for (const key of resource.keys) keys.add(key);
      w.uint64((offset += resource.keys.length));
    }
    keys.writeTo(w);
    for (let i = from; i < to; i++) w.raw(encodedResource(rows[i]!.resource).values);
  },
};

const spanAttributesColumn: Column<Span> = {
  name: 'SpanAttributes',
  type: ATTRIBUTE_MAP,
  write: (w, rows, from, to) => {
    LowCardinalityWriter.writeVersion(w);
    const maps: Attributes[] = [];
    for (let i = from; i < to; i++) maps.push(rows[i]!.attributes);
    writeAttributeMaps(w, maps, 0, maps.length);
  },
};

function serviceNameOf(resource: Resource): string {
  const value = resource.attributes['service.name'];
  return value === undefined ? '' : attributeToString(value);
}

export const SPAN_COLUMNS: readonly Column<Span>[] = [
  dateTimeColumn('Timestamp', (s) => s.startTimeUnixNano),
  stringColumn('TraceId', (s) => s.traceId),
  stringColumn('SpanId', (s) => s.spanId),
  stringColumn('ParentSpanId', (s) => s.parentSpanId),
  stringColumn('TraceState', (s) => s.traceState),
  lowCardinalityColumn('SpanName', (s) => s.name),
  lowCardinalityColumn('SpanKind', (s) => SPAN_KINDS[s.kind] ?? ''),
  lowCardinalityColumn('ServiceName', (s) => serviceNameOf(s.resource)),
  resourceAttributesColumn,
  stringColumn('ScopeName', (s) => s.scope.name),
  stringColumn('ScopeVersion', (s) => s.scope.version),
  spanAttributesColumn,
  uint64Column('Duration', (s) => (s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n)),
  lowCardinalityColumn('StatusCode', (s) => STATUS_CODES[s.status.code] ?? ''),
  stringColumn('StatusMessage', (s) => s.status.message),
  arrayColumn('Events.Timestamp', 'DateTime64(9)', (s) => s.events, (w, e) => w.dateTime64(e.timeUnixNano)),
  lowCardinalityArrayColumn('Events.Name', (s) => s.events, (e) => e.name),
  attributeMapArrayColumn('Events.Attributes', (s) => s.events),
  arrayColumn('Links.TraceId', 'String', (s) => s.links, (w, l) => w.string(l.traceId)),
  arrayColumn('Links.SpanId', 'String', (s) => s.links, (w, l) => w.string(l.spanId)),
  arrayColumn('Links.TraceState', 'String', (s) => s.links, (w, l) => w.string(l.traceState)),
  attributeMapArrayColumn('Links.Attributes', (s) => s.links),
];

export const CALL_COLUMNS: readonly Column<GenAICall>[] = [
  dateTimeColumn('timestamp', (c) => c.timestampNs),
  stringColumn('trace_id', (c) => c.traceId),
  stringColumn('span_id', (c) => c.spanId),
  stringColumn('parent_span_id', (c) => c.parentSpanId),
  lowCardinalityColumn('span_name', (c) => c.spanName),
  lowCardinalityColumn('service_name', (c) => c.serviceName),
  lowCardinalityColumn('environment', (c) => c.environment),
  lowCardinalityColumn('provider', (c) => c.provider),
  lowCardinalityColumn('operation', (c) => c.operation),
  lowCardinalityColumn('request_model', (c) => c.requestModel),
  lowCardinalityColumn('response_model', (c) => c.responseModel),
  stringColumn('response_id', (c) => c.responseId),
  lowCardinalityColumn('pricing_model', (c) => c.pricingModel),
  lowCardinalityColumn('pricing_version', (c) => c.pricingVersion),
  lowCardinalityColumn('pricing_status', (c) => c.pricingStatus),
  lowCardinalityColumn('feature', (c) => c.feature),
  stringColumn('user_id', (c) => c.userId),
  stringColumn('customer_id', (c) => c.customerId),
  lowCardinalityColumn('team', (c) => c.team),
  lowCardinalityColumn('prompt_name', (c) => c.promptName),
  lowCardinalityColumn('prompt_version', (c) => c.promptVersion),
  lowCardinalityColumn('workflow_name', (c) => c.workflowName),
  lowCardinalityColumn('agent_name', (c) => c.agentName),
  stringColumn('conversation_id', (c) => c.conversationId),
  uint64Column('input_tokens', (c) => c.inputTokens),
  uint64Column('output_tokens', (c) => c.outputTokens),
  uint64Column('cache_read_tokens', (c) => c.cacheReadTokens),
  uint64Column('cache_write_tokens', (c) => c.cacheWriteTokens),
  uint64Column('reasoning_tokens', (c) => c.reasoningTokens),
  float64Column('cost_usd', (c) => c.costUsd),
  float64Column('cost_input_usd', (c) => c.costInputUsd),
  float64Column('cost_cache_read_usd', (c) => c.costCacheReadUsd),
  float64Column('cost_cache_write_usd', (c) => c.costCacheWriteUsd),
  float64Column('cost_output_usd', (c) => c.costOutputUsd),
  float64Column('cost_reasoning_usd', (c) => c.costReasoningUsd),
  lowCardinalityColumn('cost_source', (c) => c.costSource),
  uint64Column('duration_ns', (c) => c.durationNs),
  uint64Column('time_to_first_chunk_ns', (c) => c.timeToFirstChunkNs),
  boolColumn('streaming', (c) => c.streaming),
  lowCardinalityColumn('error_type', (c) => c.errorType),
  lowCardinalityArrayColumn('finish_reasons', (c) => c.finishReasons),
  lowCardinalityColumn('scope_name', (c) => c.scopeName),
];

export const WORKFLOW_COLUMNS: readonly Column<WorkflowRow>[] = [
  stringColumn('trace_id', (r) => r.traceId),
  uint32Column('revision', (r) => r.revision),
  dateTimeColumn('first_timestamp', (r) => r.firstTimestampNs),
  dateTimeColumn('last_timestamp', (r) => r.lastTimestampNs),
  uint64Column('duration_ns', (r) => r.durationNs),
  lowCardinalityColumn('root_span_name', (r) => r.rootSpanName),
  lowCardinalityColumn('service_name', (r) => r.serviceName),
  lowCardinalityColumn('environment', (r) => r.environment),
  lowCardinalityColumn('workflow_name', (r) => r.workflowName),
  lowCardinalityColumn('agent_name', (r) => r.agentName),
  lowCardinalityColumn('feature', (r) => r.feature),
  stringColumn('user_id', (r) => r.userId),
  stringColumn('customer_id', (r) => r.customerId),
  uint32Column('calls', (r) => r.calls),
  uint32Column('errors', (r) => r.errors),
  uint64Column('input_tokens', (r) => r.inputTokens),
  uint64Column('output_tokens', (r) => r.outputTokens),
  uint64Column('cache_read_tokens', (r) => r.cacheReadTokens),
  uint64Column('cache_write_tokens', (r) => r.cacheWriteTokens),
  uint64Column('reasoning_tokens', (r) => r.reasoningTokens),
  float64Column('cost_usd', (r) => r.costUsd),
  uint32Column('unpriced_calls', (r) => r.unpricedCalls),
  lowCardinalityArrayColumn('models', (r) => r.models),
  lowCardinalityArrayColumn('tools', (r) => r.tools),
  uint32Column('spans', (r) => r.spans),
];
