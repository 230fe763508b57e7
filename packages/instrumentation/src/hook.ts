/**
 * `node --import @spendtrace/instrumentation/hook app.mjs`: for ESM apps. Module patching of ESM
 * imports needs the import-in-the-middle loader hook to be registered before the app's first
 * import; this registers it, then starts the SDK as `./register` does.
 */
import { register } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
await import('./register.ts');
