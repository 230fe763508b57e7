/**
 * `spendtrace collector [--config FILE] [--data-dir DIR] [--otlp-http-endpoint HOST:PORT]
 *                       [--clickhouse-url URL] [--metrics-endpoint HOST:PORT] [--query-endpoint HOST:PORT]`
 *
 * Runs the collector until SIGTERM or SIGINT, then drains the queue and the workflow buffer into
 * the exporters and exits 0. Invalid configuration exits 2 naming the key and the reason.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type ConfigFlags } from '../../config/load.ts';
import { ConfigError } from '../../config/parse.ts';
import { startCollector } from '../../collector.ts';

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
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        'otlp-http-endpoint': { type: 'string' },
        'clickhouse-url': { type: 'string' },
        'metrics-endpoint': { type: 'string' },
        'query-endpoint': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`spendtrace collector: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
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
    if (err instanceof ConfigError) {
      process.stderr.write(`spendtrace collector: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const collector = await startCollector(config);
  process.stdout.write(collector.readyLine() + '\n');

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        process.stderr.write(`spendtrace collector: ${signal} again, exiting without draining\n`);
        process.exit(1);
      }
      signalled = true;
      process.stderr.write(`spendtrace collector: ${signal}: draining\n`);
      collector.shutdown().then(
        () => {
          process.stderr.write('spendtrace collector: stopped\n');
          resolve(0);
        },
        (err: unknown) => {
          process.stderr.write(`spendtrace collector: shutdown failed: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Exiting lets a supervisor restart the collector; the queue replays what was not exported.
    collector.failed.catch(() => resolve(1));
  });
}
