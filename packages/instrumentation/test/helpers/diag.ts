import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/**
 * Runs `fn` with a diagnostic logger that keeps warnings and errors, and returns their text. An
 * instrumentation that meets an SDK shape it does not know must say so in exactly one line.
 */
export function captureDiagWarnings(fn: () => void): string[] {
  const lines: string[] = [];
  // A component logger passes its namespace first, then the message.
  const keep = (...args: unknown[]): void => {
    lines.push(args.filter((arg) => typeof arg === 'string').join(' '));
  };
  const logger: DiagLogger = { error: keep, warn: keep, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    fn();
  } finally {
    diag.disable();
  }
  return lines;
}
