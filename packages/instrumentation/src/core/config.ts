import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { ENV_CAPTURE_MESSAGE_CONTENT } from '@spendtrace/semconv';
import type { AttributionKey } from '@spendtrace/semconv';
import type { PriceCatalog } from './pricing.ts';

/** Options shared by every spendtrace instrumentation. */
export interface SpendtraceInstrumentationConfig extends InstrumentationConfig {
  /**
   * Record prompts and completions (`gen_ai.input.messages`, `gen_ai.output.messages`,
   * `gen_ai.system_instructions`). Off unless set here or through
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`; this option wins over the variable.
   */
  captureMessageContent?: boolean;
  /** Price catalog to cost calls with. Defaults to `@spendtrace/pricing`'s shipped catalog. */
  pricingCatalog?: PriceCatalog;
  /** Override files (negotiated rates, self-hosted models) loaded on top of the shipped catalog. */
  pricingOverrideFiles?: string[];
  /**
   * Attribution keys that also label the metrics. Each distinct value is a new time series, so keep
   * this to low-cardinality keys. Default: `['feature']`.
   */
  metricAttributionKeys?: AttributionKey[];
}

export const DEFAULT_METRIC_ATTRIBUTION_KEYS: readonly AttributionKey[] = ['feature'];

/** The environment variable is read per call, so a test or an app can flip it without a restart. */
export function shouldCaptureContent(config: SpendtraceInstrumentationConfig): boolean {
  if (config.captureMessageContent !== undefined) return config.captureMessageContent;
  return process.env[ENV_CAPTURE_MESSAGE_CONTENT]?.trim().toLowerCase() === 'true';
}
