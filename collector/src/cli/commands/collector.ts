/**
 * `spendtrace collector [--config FILE] [--data-dir DIR] [--otlp-http-endpoint HOST:PORT]
 *                       [--clickhouse-url URL] [--metrics-endpoint HOST:PORT] [--query-endpoint HOST:PORT]`
 *
 * Runs the collector until SIGTERM or SIGINT, then drains the queue and the workflow buffer into
 * the exporters and exits 0. Invalid configuration exits 2 naming the key and the reason.
 */
import { loadConfig, type ConfigFlags } from '../../config/load.ts';
import { ConfigError } from '../../config/parse.ts';
import { startCollector } from '../../collector.ts';
import { applyCollectorV8Flags } from '../../v8-flags.ts';
import { HELP_OPTION, parseCommandArgs, printError, STORE_OPTIONS, usageError } from '../options.ts';

export const summary = 'run the collector: OTLP in, priced calls and workflow sums into ClickHouse';

const USAGE = `usage: spendtrace collector [options]

  --config FILE                 YAML configuration (optional; defaults need no file)
  --data-dir DIR                embedded store and queue (default ./.spendtrace; env SPENDTRACE_DATA_DIR)
  --otlp-http-endpoint H:P      OTLP/HTTP listen address (default localhost:4318; env SPENDTRACE_OTLP_HTTP_ENDPOINT)
  --clickhouse-url URL          ClickHouse server instead of the embedded store (env SPENDTRACE_CLICKHOUSE_URL)
  --metrics-endpoint H:P        Prometheus /metrics address (default localhost:8888; '' disables; env SPENDTRACE_METRICS_ENDPOINT)
  --query-endpoint H:P          read-only query endpoint for the embedded store (default 127.0.0.1:0)
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'collector',
    argv,
    {
      options: {
        config: { type: 'string' },
        'data-dir': STORE_OPTIONS['data-dir'],
        'otlp-http-endpoint': { type: 'string' },
        'clickhouse-url': STORE_OPTIONS['clickhouse-url'],
        'metrics-endpoint': { type: 'string' },
        'query-endpoint': { type: 'string' },
        ...HELP_OPTION,
      },
      allowPositionals: false,
    },
    USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const flags: ConfigFlags = {};
  if (values['data-dir'] !== undefined) flags.dataDir = values['data-dir'];
  if (values['otlp-http-endpoint'] !== undefined) flags.otlpHttpEndpoint = values['otlp-http-endpoint'];
  if (values['clickhouse-url'] !== undefined) flags.clickhouseUrl = values['clickhouse-url'];
  if (values['metrics-endpoint'] !== undefined) flags.metricsEndpoint = values['metrics-endpoint'];
  if (values['query-endpoint'] !== undefined) flags.queryEndpoint = values['query-endpoint'];

  let config;
  try {
    config = loadConfig({ ...(values.config ? { file: values.config } : {}), flags });
  } catch (err) {
    if (err instanceof ConfigError) return usageError('collector', err.message);
    throw err;
  }

  applyCollectorV8Flags();
  const collector = await startCollector(config);
  process.stdout.write(collector.readyLine() + '\n');

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        printError('collector', `${signal} again, exiting without draining`);
        process.exit(1);
      }
      signalled = true;
      printError('collector', `${signal}: draining`);
      collector.shutdown().then(
        () => {
          printError('collector', 'stopped');
          resolve(0);
        },
        (err: unknown) => {
          printError('collector', `shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Exiting lets a supervisor restart the collector; the queue replays what was not exported.
    collector.failed.catch(() => {
      resolve(1);
      // Open sockets and the embedded store would keep a failed collector alive, serving nothing;
      // exit for real once the message is written.
      setImmediate(() => process.exit(1));
    });
  });
}
