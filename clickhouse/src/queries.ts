/**
 * Named queries: the one source of every number shown by the Grafana dashboards, the alert rules
 * and the terminal (`spendtrace report`, `spendtrace trace`).
 *
 * A named query is a file `clickhouse/queries/<name>.sql` written as a template. `{{...}}` tokens
 * stand for the parts that differ between the two ways a query runs (see clickhouse/queries/README.md):
 *
 *   target 'grafana'    → the Grafana ClickHouse plugin's macros and template variables
 *                          ($__timeFilter_ms, $__conditionalAll, ${feature:singlequote}, ...),
 *                          embedded verbatim in the dashboard and alert JSON;
 *   target 'clickhouse' → plain ClickHouse SQL with typed query parameters ({from_ms:Int64},
 *                          {feature:Array(String)}, ...), run by the CLI through @clickhouse/client.
 *
 * Both renderings have the same semantics: an inclusive [from, to] range in milliseconds, and a
 * dimension filter that is a no-op when nothing (or All) is selected.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const QUERIES_DIR = fileURLToPath(new URL('../queries/', import.meta.url));

export type QueryTarget = 'grafana' | 'clickhouse';

/** The template variables every dashboard offers, with the ClickHouse parameter of the same name. */
export const FILTER_VARIABLES = ['environment', 'service', 'provider', 'model', 'feature', 'customer'] as const;
export type FilterVariable = (typeof FILTER_VARIABLES)[number];

/** The model a call is attributed to: the one that answered, or the requested one when the response named none. */
export const CALL_MODEL_EXPR = "if(response_model != '', response_model, request_model)";

/**
 * Which column each filter variable constrains, per table family. A variable missing from a set does
 * not apply to that table (workflows have no single provider or model).
 */
export const FILTER_SETS: Readonly<Record<string, Partial<Record<FilterVariable, string>>>> = {
  calls: {
    environment: 'environment',
    service: 'service_name',
    provider: 'provider',
    model: CALL_MODEL_EXPR,
    feature: 'feature',
    customer: 'customer_id',
  },
  rollup: {
    environment: 'environment',
    service: 'service_name',
    provider: 'provider',
    model: 'model',
    feature: 'feature',
    customer: 'customer_id',
  },
  /** The genai_workflow_runs view: per-trace sums of genai_workflows. */
  workflow_runs: {
    environment: 'environment',
    service: 'service_name',
    feature: 'feature',
    customer: 'customer_id',
  },
};

/** Dimensions a spend breakdown can be grouped by (`spendtrace report --by`, dashboard tables). */
export const DIMENSIONS: Readonly<Record<string, { expr: string; rollup?: string; order: string }>> = {
  feature: {
    expr: "if(feature = '', '(none)', feature)",
    rollup: "if(feature = '', '(none)', feature)",
    order: 'spend_usd DESC, name ASC',
  },
  model: {
    expr: `if(${CALL_MODEL_EXPR} = '', '(none)', ${CALL_MODEL_EXPR})`,
    rollup: "if(model = '', '(none)', model)",
    order: 'spend_usd DESC, name ASC',
  },
  provider: {
    expr: "if(provider = '', '(none)', provider)",
    rollup: "if(provider = '', '(none)', provider)",
    order: 'spend_usd DESC, name ASC',
  },
  customer: {
    expr: "if(customer_id = '', '(none)', customer_id)",
    rollup: "if(customer_id = '', '(none)', customer_id)",
    order: 'spend_usd DESC, name ASC',
  },
  user: { expr: "if(user_id = '', '(none)', user_id)", order: 'spend_usd DESC, name ASC' },
  workflow: { expr: "if(workflow_name = '', '(none)', workflow_name)", order: 'spend_usd DESC, name ASC' },
  day: { expr: "toString(toDate(timestamp, 'UTC'))", order: 'name ASC' },
};
export const DIMENSION_NAMES = ['feature', 'model', 'provider', 'customer', 'user', 'workflow', 'day'] as const;
export type Dimension = (typeof DIMENSION_NAMES)[number];

export interface RenderOptions {
  /** Required when the template uses {{dimension}} / {{dimension_order}}. */
  dimension?: Dimension;
  /** Required when the template uses {{variable_column SET}}: the variable whose values are listed. */
  variable?: FilterVariable;
  /** Values for {{setting NAME}} tokens (thresholds, factors); inlined as numeric literals. */
  settings?: Readonly<Record<string, number>>;
  /** Monthly budget per customer and the default, for {{customer_budget COLUMN}}. */
  budgets?: { defaultUsd: number; customers: Readonly<Record<string, number>> };
  /** A ClickHouse table expression listing model prices, for {{catalog_prices}}. */
  catalogPrices?: string;
}

/** The names of every query in clickhouse/queries, without the .sql extension. */
export function queryNames(): string[] {
  return readdirSync(QUERIES_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort();
}

/** The template text of a named query. */
export function loadQueryTemplate(name: string): string {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid query name "${name}"`);
  const text = readFileSync(`${QUERIES_DIR}${name}.sql`, 'utf8');
  // Leading comment lines document the query for people; the rendered SQL starts at the statement.
  return text
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .trim();
}

/** Renders a named query for one target. */
export function renderQuery(name: string, target: QueryTarget, options: RenderOptions = {}): string {
  return renderTemplate(loadQueryTemplate(name), target, options);
}

const TOKEN = /\{\{\s*([a-z_]+)((?:\s+[^\s}]+)*)\s*\}\}/g;

/** Expands the `{{...}}` tokens of a template. Unknown tokens and missing options are errors. */
export function renderTemplate(template: string, target: QueryTarget, options: RenderOptions = {}): string {
  return template.replace(TOKEN, (_match, name: string, rawArgs: string) => {
    const args = rawArgs.trim() === '' ? [] : rawArgs.trim().split(/\s+/);
    return expandToken(name, args, target, options);
  });
}

function expandToken(name: string, args: string[], target: QueryTarget, options: RenderOptions): string {
  const grafana = target === 'grafana';
  const arg = (i: number): string => {
    const value = args[i];
    if (value === undefined) throw new Error(`{{${name}}} needs ${i + 1} argument(s)`);
    return value;
  };
  switch (name) {
    case 'time_filter':
      return grafana
        ? `$__timeFilter_ms(${arg(0)})`
        : `${arg(0)} >= fromUnixTimestamp64Milli({from_ms:Int64}) AND ${arg(0)} <= fromUnixTimestamp64Milli({to_ms:Int64})`;
    case 'from':
      return grafana ? '$__fromTime_ms' : 'fromUnixTimestamp64Milli({from_ms:Int64})';
    case 'to':
      return grafana ? '$__toTime_ms' : 'fromUnixTimestamp64Milli({to_ms:Int64})';
    case 'interval_s':
      return grafana ? '$__interval_s' : '{interval_s:UInt32}';
    case 'bucket':
      return grafana
        ? `$__timeInterval(${arg(0)})`
        : `toStartOfInterval(toDateTime(${arg(0)}), INTERVAL {interval_s:UInt32} second)`;
    case 'filter':
      return filterExpr(arg(0), asFilterVariable(arg(1)), grafana);
    case 'filters': {
      const set = FILTER_SETS[arg(0)];
      if (!set) throw new Error(`unknown filter set "${arg(0)}"`);
      const skip = new Set(args.slice(1).map((a) => a.replace(/^-/, '')));
      const parts = FILTER_VARIABLES.filter((v) => set[v] !== undefined && !skip.has(v)).map((v) =>
        filterExpr(set[v] as string, v, grafana),
      );
      return parts.length > 0 ? parts.join('\n  AND ') : '1 = 1';
    }
    case 'text':
      // A free-text variable (e.g. a trace id typed into the dashboard), quoted safely.
      return grafana ? `\${${arg(0)}:singlequote}` : `{${arg(0)}:String}`;
    case 'dimension': {
      const dim = requireDimension(options);
      if (args[0] === undefined) return dim.expr;
      if (args[0] !== 'rollup') throw new Error(`unknown dimension source "${args[0]}"`);
      if (!dim.rollup) throw new Error(`dimension "${options.dimension}" is not in the rollup tables`);
      return dim.rollup;
    }
    case 'variable_column': {
      const set = FILTER_SETS[arg(0)];
      if (!set) throw new Error(`unknown filter set "${arg(0)}"`);
      const column = options.variable ? set[options.variable] : undefined;
      if (!column) throw new Error(`{{variable_column}} needs a variable of set "${arg(0)}"`);
      return column;
    }
    case 'dimension_order':
      return requireDimension(options).order;
    case 'setting': {
      const value = options.settings?.[arg(0)];
      if (value === undefined || !Number.isFinite(value)) throw new Error(`setting "${arg(0)}" is not set`);
      return numberLiteral(value);
    }
    case 'customer_budget': {
      const budgets = options.budgets;
      if (!budgets) throw new Error('{{customer_budget}} needs budgets');
      const names = Object.keys(budgets.customers).sort();
      const keys = names.map(quoteString).join(', ');
      const values = names.map((n) => numberLiteral(budgets.customers[n] as number)).join(', ');
      return `transform(${arg(0)}, [${keys}], [${values}]::Array(Float64), ${numberLiteral(budgets.defaultUsd)}::Float64)`;
    }
    case 'catalog_prices':
      if (!options.catalogPrices) throw new Error('{{catalog_prices}} needs catalogPrices');
      return options.catalogPrices;
    default:
      throw new Error(`unknown template token {{${name}}}`);
  }
}

function filterExpr(column: string, variable: FilterVariable, grafana: boolean): string {
  // Grafana: the plugin's $__conditionalAll drops the condition when All (or nothing) is selected,
  // so a dashboard with every variable on All scans no IN-lists.
  return grafana
    ? `$__conditionalAll(${column} IN (\${${variable}:singlequote}), $${variable})`
    : `(empty({${variable}:Array(String)}) OR has({${variable}:Array(String)}, ${column}))`;
}

function asFilterVariable(name: string): FilterVariable {
  if (!(FILTER_VARIABLES as readonly string[]).includes(name)) throw new Error(`unknown filter variable "${name}"`);
  return name as FilterVariable;
}

function requireDimension(options: RenderOptions): { expr: string; rollup?: string; order: string } {
  if (!options.dimension) throw new Error('{{dimension}} needs a dimension');
  const dim = DIMENSIONS[options.dimension];
  if (!dim) throw new Error(`unknown dimension "${options.dimension}"`);
  return dim;
}

function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Query parameters of the 'clickhouse' rendering. Filters left out match everything. */
export interface QueryParams {
  fromMs: number;
  toMs: number;
  intervalS?: number;
  filters?: Partial<Record<FilterVariable, string[]>>;
  text?: Record<string, string>;
}

/** The `query_params` object for @clickhouse/client matching a 'clickhouse' rendering. */
export function queryParams(params: QueryParams): Record<string, unknown> {
  const out: Record<string, unknown> = {
    from_ms: Math.trunc(params.fromMs),
    to_ms: Math.trunc(params.toMs),
    interval_s: Math.max(1, Math.trunc(params.intervalS ?? 3600)),
  };
  for (const v of FILTER_VARIABLES) out[v] = params.filters?.[v] ?? [];
  for (const [k, v] of Object.entries(params.text ?? {})) out[k] = v;
  return out;
}
