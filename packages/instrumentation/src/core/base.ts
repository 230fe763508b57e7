import type { AttributeValue } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { SpendtraceInstrumentationConfig } from './config.ts';
import { GenAIRecorder } from './recorder.ts';

/**
 * Base of every spendtrace SDK instrumentation: an `InstrumentationBase` with a `recorder` that
 * follows the tracer, meter and config the instrumentation is given (setTracerProvider,
 * setMeterProvider, setConfig) at each call.
 */
export abstract class GenAIInstrumentationBase<
  Config extends SpendtraceInstrumentationConfig = SpendtraceInstrumentationConfig,
> extends InstrumentationBase<Config> {
  protected readonly recorder: GenAIRecorder = new GenAIRecorder({
    tracer: () => this.tracer,
    meter: () => this.meter,
    config: () => this.getConfig(),
  });

  constructor(instrumentationName: string, instrumentationVersion: string, config: Config) {
    super(instrumentationName, instrumentationVersion, config);
    if (this.isEnabled()) this.preloadPrices();
  }

  override enable(): void {
    super.enable();
    // The base constructor enables before this class's fields exist; the constructor above covers that case.
    if (this.recorder) this.preloadPrices();
  }

  /** Loads the price catalog right after start-up, so no call pays for reading the price files. */
  private preloadPrices(): void {
    const timer = setTimeout(() => {
      try {
        this.recorder.warm();
      } catch (error) {
        this._diag.warn('could not preload the price catalog', error);
      }
    }, 0);
    timer.unref?.();
  }
}

/** `server.address` / `server.port` from an SDK client's base URL (port only when the URL names one or is http/https). */
export function serverAttributes(baseURL: unknown): { serverAddress?: string; serverPort?: number } {
  if (typeof baseURL !== 'string' || baseURL === '') return {};
  try {
    const url = new URL(baseURL);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
    return { serverAddress: url.hostname, ...(port !== undefined ? { serverPort: port } : {}) };
  } catch {
    return {};
  }
}

/**
 * Sets `key` on `target` when `value` is defined. Attribute objects are built by assignment with
 * this rather than as literals with computed keys (`{ [ATTR_X]: value }`): V8 builds such a
 * literal through a slow runtime path, about 60 ns a key, a microsecond per call for a chat
 * request's ten attributes against a few nanoseconds for the assignments.
 */
export function setDefined(target: Record<string, AttributeValue | undefined>, key: string, value: AttributeValue | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** Finite numbers only: SDK params are user input and may hold anything. */
export function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `gen_ai.request.choice.count`, which the conventions record only when a request asks for other than one choice. */
export function choiceCountOrUndefined(value: unknown): number | undefined {
  const count = numberOrUndefined(value);
  return count !== 1 ? count : undefined;
}

export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A string or an array of strings as a string array (stop sequences, encoding formats). */
export function stringArrayOrUndefined(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}
