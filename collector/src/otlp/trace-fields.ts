/**
 * The fields of the OTLP trace messages, as the protobuf decoder and scanner both walk them: for
 * each message, field number → the wire type that field must arrive with. A field not listed here
 * is skipped by its own wire type (newer producers stay compatible); a listed field arriving with
 * another wire type is refused. Keeping the table in one place is what makes the decoder and the
 * scanner accept and refuse exactly the same bytes.
 *
 * Field numbers follow opentelemetry-proto (trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto, collector/trace/v1/trace_service.proto).
 */
import { messageFields, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './wire-reader.ts';

/**
 * One object, so a walker can hold it in a field: reading a table through `this` is measurably
 * cheaper on the hot path than reading a module binding at every field.
 */
export const TRACE_MESSAGES = {
  exportTraceServiceRequest: messageFields({
    1: WIRE_LEN, // resource_spans
  }),
  resourceSpans: messageFields({
    1: WIRE_LEN, // resource
    2: WIRE_LEN, // scope_spans
    3: WIRE_LEN, // schema_url
  }),
  resource: messageFields({
    1: WIRE_LEN, // attributes
    2: WIRE_VARINT, // dropped_attributes_count
  }),
  scopeSpans: messageFields({
    1: WIRE_LEN, // scope
    2: WIRE_LEN, // spans
    3: WIRE_LEN, // schema_url
  }),
  instrumentationScope: messageFields({
    1: WIRE_LEN, // name
    2: WIRE_LEN, // version
    3: WIRE_LEN, // attributes
  }),
  span: messageFields({
    1: WIRE_LEN, // trace_id
    2: WIRE_LEN, // span_id
    3: WIRE_LEN, // trace_state
    4: WIRE_LEN, // parent_span_id
    5: WIRE_LEN, // name
    6: WIRE_VARINT, // kind
    7: WIRE_FIXED64, // start_time_unix_nano
    8: WIRE_FIXED64, // end_time_unix_nano
    9: WIRE_LEN, // attributes
    10: WIRE_VARINT, // dropped_attributes_count
    11: WIRE_LEN, // events
    12: WIRE_VARINT, // dropped_events_count
    13: WIRE_LEN, // links
    14: WIRE_VARINT, // dropped_links_count
    15: WIRE_LEN, // status
    16: WIRE_FIXED32, // flags
  }),
  spanEvent: messageFields({
    1: WIRE_FIXED64, // time_unix_nano
    2: WIRE_LEN, // name
    3: WIRE_LEN, // attributes
    4: WIRE_VARINT, // dropped_attributes_count
  }),
  spanLink: messageFields({
    1: WIRE_LEN, // trace_id
    2: WIRE_LEN, // span_id
    3: WIRE_LEN, // trace_state
    4: WIRE_LEN, // attributes
    5: WIRE_VARINT, // dropped_attributes_count
    6: WIRE_FIXED32, // flags
  }),
  status: messageFields({
    2: WIRE_LEN, // message
    3: WIRE_VARINT, // code
  }),
  keyValue: messageFields({
    1: WIRE_LEN, // key
    2: WIRE_LEN, // value
  }),
  anyValue: messageFields({
    1: WIRE_LEN, // string_value
    2: WIRE_VARINT, // bool_value
    3: WIRE_VARINT, // int_value
    4: WIRE_FIXED64, // double_value
    5: WIRE_LEN, // array_value
    6: WIRE_LEN, // kvlist_value
    7: WIRE_LEN, // bytes_value
  }),
  /** ArrayValue.values and KeyValueList.values: field 1, repeated. */
  repeatedValues: messageFields({
    1: WIRE_LEN, // values
  }),
} as const;
