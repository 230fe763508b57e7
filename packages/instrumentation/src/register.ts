/**
 * `import '@spendtrace/instrumentation/register'` (or `node --import @spendtrace/instrumentation/register`
 * for CommonJS apps): starts an OpenTelemetry NodeSDK configured from the standard `OTEL_*`
 * environment variables (exporters, endpoint, service name, propagators — W3C trace context and
 * baggage by default) with the spendtrace instrumentations, for apps that have no SDK setup yet.
 * The SDK is flushed and shut down when the app's event loop empties, and on SIGTERM and SIGINT.
 */
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { spendtraceInstrumentations } from './instrumentations.ts';

// Annotated because the SDK does not export the name of this return type, which the published .d.ts needs.
const sdk: { shutdown(): Promise<void> } = startNodeSdk({ instrumentations: spendtraceInstrumentations() });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    // An app with its own handler for the signal keeps control of its shutdown; spans are flushed alongside.
    const appHandles = process.listenerCount(signal) > 0;
    // The OTLP exporters' sockets do not hold the process open; this timer does until the last export is done.
    const keepAlive = setInterval(() => {}, 1000);
    sdk.shutdown().finally(() => {
      clearInterval(keepAlive);
      if (!appHandles) process.kill(process.pid, signal);
    });
  });
}

// An app that simply finishes would otherwise lose the spans still queued for export.
process.once('beforeExit', () => {
  void sdk.shutdown();
});

export { sdk };
