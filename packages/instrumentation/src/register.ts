/**
 * `import '@spendtrace/instrumentation/register'` (or `node --import @spendtrace/instrumentation/register`
 * for CommonJS apps): starts an OpenTelemetry NodeSDK configured from the standard `OTEL_*`
 * environment variables (exporters, endpoint, service name, propagators — W3C trace context and
 * baggage by default) with the spendtrace instrumentations, for apps that have no SDK setup yet.
 * The SDK is flushed and shut down on SIGTERM and SIGINT.
 */
import { startNodeSDK } from '@opentelemetry/sdk-node';
import { spendtraceInstrumentations } from './instrumentations.ts';

const sdk = startNodeSDK({ instrumentations: spendtraceInstrumentations() });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    sdk.shutdown().finally(() => process.kill(process.pid, signal));
  });
}

export { sdk };
