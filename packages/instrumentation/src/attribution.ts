import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTRIBUTION_ATTRIBUTES,
  GEN_AI_OPERATION,
} from '@spendtrace/semconv';
import type { Attribution, AttributionKey } from '@spendtrace/semconv';
import { attributionAttributes } from './core/attribution-context.ts';
import { errorTypeOf } from './core/recorder.ts';

export type { Attribution, AttributionKey } from '@spendtrace/semconv';

const TRACER_NAME = '@spendtrace/instrumentation';

/**
 * Returns `ctx` (default: the active context) with `attribution` merged into its W3C baggage:
 * keys given here replace the same keys from outer scopes, the others are kept. Keys left
 * undefined are ignored, so `{ feature: undefined }` never erases an outer feature.
 *
 * The non-callback form of {@link withAttribution}, for code that manages contexts itself
 * (middleware, `context.with`, frameworks that take a context).
 */
export function contextWithAttribution(attribution: Attribution, ctx: Context = context.active()): Context {
  let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  for (const key of Object.keys(attribution) as AttributionKey[]) {
    const attribute = ATTRIBUTION_ATTRIBUTES[key];
    if (attribute === undefined) throw new TypeError(`unknown attribution key '${String(key)}'; expected one of ${Object.keys(ATTRIBUTION_ATTRIBUTES).join(', ')}`);
    const value = attribution[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new TypeError(`attribution '${key}' must be a string, got ${typeof value}`);
    baggage = baggage.setEntry(attribute, { value });
  }
  return propagation.setBaggage(ctx, baggage);
}

/**
 * Runs `fn` with `attribution` in effect: every LLM call beneath it, across `await`s, and in
 * downstream services reached with the W3C baggage propagator, carries these attributes.
 * Nested calls merge with the outer attribution; inner keys win.
 */
export function withAttribution<T>(attribution: Attribution, fn: () => T): T {
  return context.with(contextWithAttribution(attribution), fn);
}

/** Attribution in effect in `ctx` (default: the active context), keyed as the application names it. */
export function currentAttribution(ctx: Context = context.active()): Attribution {
  const attributes = attributionAttributes(ctx);
  const result: Attribution = {};
  for (const [key, attribute] of Object.entries(ATTRIBUTION_ATTRIBUTES) as [AttributionKey, string][]) {
    const value = attributes[attribute];
    if (typeof value === 'string') result[key] = value;
  }
  return result;
}

/**
 * Runs `fn` inside an INTERNAL span (`{operation} {name}`) that ends when `fn` (or its promise)
 * settles, recording a thrown error on it. `attribution` is also put in the context beneath, so
 * the LLM calls inside carry the workflow or agent name.
 */
function runInOperationSpan<T>(
  operation: string,
  name: string,
  nameAttribute: string,
  attribution: Attribution,
  fn: (span: Span) => T,
): T {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${operation} needs a non-empty name`);
  const parent = contextWithAttribution(attribution);
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation, [nameAttribute]: name, ...attributionAttributes(parent) };
  const span = trace.getTracer(TRACER_NAME).startSpan(`${operation} ${name}`, { kind: SpanKind.INTERNAL, attributes }, parent);
  const fail = (error: unknown): void => {
    span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    fail(error);
    throw error;
  }
  if (result instanceof Promise || (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function')) {
    return (result as unknown as Promise<unknown>).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(error);
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** Runs `fn` as the workflow `name`: an `invoke_workflow {name}` span, with `gen_ai.workflow.name` attributed to every call beneath. */
export function workflow<T>(name: string, fn: (span: Span) => T): T {
  return runInOperationSpan(GEN_AI_OPERATION.INVOKE_WORKFLOW, name, ATTR_GEN_AI_WORKFLOW_NAME, { workflowName: name }, fn);
}

/** Runs `fn` as the agent `name`: an `invoke_agent {name}` span, with `gen_ai.agent.name` attributed to every call beneath. */
export function agent<T>(name: string, fn: (span: Span) => T): T {
  return runInOperationSpan(GEN_AI_OPERATION.INVOKE_AGENT, name, ATTR_GEN_AI_AGENT_NAME, { agentName: name }, fn);
}

/** Runs `fn` as the tool `name`: an `execute_tool {name}` span. */
export function tool<T>(name: string, fn: (span: Span) => T): T {
  return runInOperationSpan(GEN_AI_OPERATION.EXECUTE_TOOL, name, ATTR_GEN_AI_TOOL_NAME, {}, fn);
}
