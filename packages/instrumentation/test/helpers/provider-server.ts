/**
 * The setup shared by the instrumentation tests that call an SDK: the local mock provider server
 * for the file's duration, the instrumentation under test sending to the test telemetry
 * (../helpers.ts), its SDK module patched while the file runs, and finished spans cleared before
 * each test.
 */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startProviderServer } from '../../../../test/providers/server.ts';
import type { ProviderServer, RecordedRequest } from '../../../../test/providers/server.ts';
import { setupTelemetry } from '../helpers.ts';
import type { Telemetry } from '../helpers.ts';

/** What a test needs of an instrumentation to send its telemetry to the test providers. */
export interface TelemetryTarget {
  setTracerProvider(tracerProvider: TracerProvider): void;
  setMeterProvider(meterProvider: MeterProvider): void;
}

/** An instrumentation whose SDK module the harness patches for the whole file. */
export interface ModuleInstrumentation extends TelemetryTarget {
  patchModule(moduleExports: unknown): unknown;
  unpatchModule(moduleExports: unknown): void;
}

/** The running server, read when a test runs (it starts in `beforeAll`). */
export interface LocalProvider {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** The port of `url`, as spans record it in `server.port`. */
  readonly port: number;
}

/** The instrumentation under test, if any, sends to the test telemetry; with `sdkModule` it patches that module for the file. */
export type ProviderServerOptions =
  | { instrumentation?: TelemetryTarget; sdkModule?: undefined }
  | { instrumentation: ModuleInstrumentation; sdkModule: object };

/** Per-request options of the openai and Anthropic SDKs that send `value` as the server's scenario. */
export function scenario(value: object): { headers: Record<string, string> } {
  return { headers: { 'x-mock-scenario': JSON.stringify(value) } };
}

/** Points an instrumentation at the test telemetry; returns it. */
export function sendingToTestTelemetry<T extends TelemetryTarget>(instrumentation: T): T {
  const telemetry = setupTelemetry();
  instrumentation.setTracerProvider(telemetry.tracerProvider);
  instrumentation.setMeterProvider(telemetry.meterProvider);
  return instrumentation;
}

/** Registers the file's hooks (call it at the top level of a test file). */
export function useProviderServer(options: ProviderServerOptions = {}): { telemetry: Telemetry; server: LocalProvider } {
  const telemetry = setupTelemetry();
  if (options.instrumentation) sendingToTestTelemetry(options.instrumentation);
  const patching = options.sdkModule !== undefined ? options : undefined;
  let running: ProviderServer | undefined;

  beforeAll(async () => {
    running = await startProviderServer();
    patching?.instrumentation.patchModule(patching.sdkModule);
  });
  afterAll(async () => {
    patching?.instrumentation.unpatchModule(patching.sdkModule);
    await running?.close();
  });
  beforeEach(() => telemetry.reset());

  const started = (): ProviderServer => {
    if (!running) throw new Error('the provider server starts in beforeAll; read it inside a test or hook');
    return running;
  };
  const server: LocalProvider = {
    get url() {
      return started().url;
    },
    get requests() {
      return started().requests;
    },
    get port() {
      return Number(new URL(started().url).port);
    },
  };
  return { telemetry, server };
}
