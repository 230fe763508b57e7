import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from './parse.ts';
import type { CollectorConfig } from './types.ts';

/** Settings given on the command line; each wins over the environment and the file. */
export interface ConfigFlags {
  dataDir?: string;
  otlpHttpEndpoint?: string;
  clickhouseUrl?: string;
  metricsEndpoint?: string;
  queryEndpoint?: string;
}

/** Environment variables that override single settings, as scripts and containers set them. */
export const ENV_OVERRIDES = {
  SPENDTRACE_DATA_DIR: ['data_dir'],
  SPENDTRACE_OTLP_HTTP_ENDPOINT: ['receivers', 'otlp', 'protocols', 'http', 'endpoint'],
  SPENDTRACE_CLICKHOUSE_URL: ['exporters', 'clickhouse', 'url'],
  SPENDTRACE_METRICS_ENDPOINT: ['service', 'telemetry', 'metrics', 'endpoint'],
} as const;

const FLAG_PATHS: Record<keyof ConfigFlags, readonly string[]> = {
  dataDir: ENV_OVERRIDES.SPENDTRACE_DATA_DIR,
  otlpHttpEndpoint: ENV_OVERRIDES.SPENDTRACE_OTLP_HTTP_ENDPOINT,
  clickhouseUrl: ENV_OVERRIDES.SPENDTRACE_CLICKHOUSE_URL,
  metricsEndpoint: ENV_OVERRIDES.SPENDTRACE_METRICS_ENDPOINT,
  queryEndpoint: ['query', 'endpoint'],
};

/**
 * `${env:NAME}` (and `${NAME}`) in any string value is replaced by the variable, like the
 * Collector's env provider; `$$` escapes a literal `$`. An unset variable is an error naming the
 * key, rather than a silently empty value.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const v = env[name!];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(path || '(root)', `environment variable ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

function setPath(doc: Record<string, unknown>, path: readonly string[], value: string): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || next === undefined) node[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new ConfigError(path.join('.'), `cannot set: ${key} is not a mapping`);
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

/** Parses YAML text (a file's content) into a raw document. */
export function parseYamlDocument(text: string, source: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(source, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(source, 'the document must be a mapping');
  return doc as Record<string, unknown>;
}

/**
 * Resolves the configuration: defaults, then the file (optional), then environment overrides, then
 * command-line flags. Throws ConfigError naming the key and the reason.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; flags?: ConfigFlags } = {}): CollectorConfig {
  const env = options.env ?? process.env;
  let doc: Record<string, unknown> = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (err) {
      throw new ConfigError('--config', `cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    doc = substituteEnv(parseYamlDocument(text, options.file), env) as Record<string, unknown>;
  }
  for (const [name, path] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(doc, path, v);
  }
  for (const [flag, path] of Object.entries(FLAG_PATHS) as [keyof ConfigFlags, readonly string[]][]) {
    const v = options.flags?.[flag];
    if (v !== undefined) setPath(doc, path, v);
  }
  return parseConfig(doc);
}
