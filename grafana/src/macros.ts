/**
 * Expands a panel query the way Grafana and the ClickHouse data source plugin
 * (grafana-clickhouse-datasource v4) do before the SQL reaches ClickHouse, in the same order:
 *
 *  1. frontend, `$__conditionalAll(condition, $var)`: replaced by `1=1` when the variable's current
 *     value is All (`$__all`) or empty, else by the condition; innermost/last first;
 *  2. frontend, Grafana template variables (`$var`, `${var}`, `${var:format}`, `[[var]]`,
 *     `[[var:format]]`, and `$__from` / `$__to` / `$__interval` / `$__interval_ms`), with the
 *     plugin's own default formatter (multi-value → `'a','b'`) when no format is named;
 *  3. backend (grafana-plugin-sdk-go sqlutil + the plugin's pkg/macros): `$__timeFilter(col)`,
 *     `$__timeFilter_ms`, `$__dateFilter`, `$__dateTimeFilter` / `$__dt`, `$__fromTime`,
 *     `$__toTime`, `$__fromTime_ms`, `$__toTime_ms`, `$__timeInterval(col)`, `$__timeInterval_ms`,
 *     `$__interval_s`; arguments only when `(` follows the name directly, split at top-level commas.
 *
 * It exists so tests can run every dashboard and alert query against ClickHouse exactly as Grafana
 * would send it.
 */

export interface VariableOption {
  text: string;
  value: string;
}

export interface VariableState {
  name: string;
  /** Grafana variable type: query, custom, textbox, constant, interval, datasource... */
  type: string;
  /** The current selection: a string, or an array for multi-value variables. `$__all` means All. */
  current: string | string[];
  /** Options of query/custom variables (without the All option), used when All has no allValue. */
  options?: VariableOption[];
  /** The variable's custom all value, when set. */
  allValue?: string | null;
}

export interface QueryContext {
  fromMs: number;
  toMs: number;
  /** The panel's interval (Grafana computes it from the range and the panel width). */
  intervalMs: number;
  variables: VariableState[];
}

const ALL = '$__all';

// ---------------------------------------------------------------- 1. $__conditionalAll

/** Splits `(a, b(c, d), e)` at top-level commas, as the plugin's getMacroArgs does (quotes not special). */
function pluginMacroArgs(query: string, openParenIndex: number): string[] {
  const args: string[] = [];
  const sub = query.substring(openParenIndex);
  let depth = 0;
  let lastArgEnd = 1;
  const re = /\(|\)|,/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(sub)) !== null) {
    const token = m[0];
    if (token === '(') depth++;
    else if (token === ')') depth--;
    if (token === ',' && depth === 1) {
      args.push(sub.substring(lastArgEnd, re.lastIndex - 1));
      lastArgEnd = re.lastIndex;
    }
    if (depth === 0) {
      args.push(sub.substring(lastArgEnd, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

export function applyConditionalAll(rawQuery: string, variables: readonly VariableState[]): string {
  if (!rawQuery) return rawQuery;
  const macro = '$__conditionalAll(';
  let query = rawQuery;
  let index = query.lastIndexOf(macro);
  while (index !== -1) {
    const params = pluginMacroArgs(query, index + macro.length - 1);
    if (params.length !== 2) return query;
    const [condition, varParam] = params as [string, string];
    const varName = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(varParam.trim());
    let phrase = condition;
    if (varName) {
      const variable = variables.find((v) => v.name === varName[0]);
      const value = variable === undefined ? undefined : String(variable.current);
      if (value === '' || value === ALL) phrase = '1=1';
    }
    query = query.replace(`${macro}${condition},${varParam})`, phrase);
    index = query.lastIndexOf(macro);
  }
  return query;
}

// ---------------------------------------------------------------- 2. template variables

type FormatFn = (value: string | string[]) => string;

/** The plugin's default formatter (CHDatasource.format). */
const pluginDefaultFormat: FormatFn = (value) => (Array.isArray(value) ? `'${value.join("','")}'` : value);

const escapeSingle = (v: string): string => v.replace(/'/g, "\\'");
const escapeDouble = (v: string): string => v.replace(/"/g, '\\"');

/** Grafana's variable format registry (the formats SQL queries use). */
const FORMATS: Record<string, FormatFn> = {
  singlequote: (v) => (Array.isArray(v) ? v.map((x) => `'${escapeSingle(x)}'`).join(',') : `'${escapeSingle(v)}'`),
  doublequote: (v) => (Array.isArray(v) ? v.map((x) => `"${escapeDouble(x)}"`).join(',') : `"${escapeDouble(v)}"`),
  sqlstring: (v) => (Array.isArray(v) ? v : [v]).map((x) => `'${x.replace(/'/g, "''")}'`).join(','),
  csv: (v) => (Array.isArray(v) ? v.join(',') : v),
  pipe: (v) => (Array.isArray(v) ? v.join('|') : v),
  raw: (v) => (Array.isArray(v) ? v.join(',') : v),
  text: (v) => (Array.isArray(v) ? v.join(' + ') : v),
  json: (v) => JSON.stringify(v),
};

// Grafana's variableRegex.
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

function isAll(value: string | string[]): boolean {
  return Array.isArray(value) ? value.includes(ALL) : value === ALL;
}

export function interpolateVariables(query: string, context: QueryContext): string {
  const builtins: Record<string, string> = {
    __from: String(context.fromMs),
    __to: String(context.toMs),
    __interval: formatInterval(context.intervalMs),
    __interval_ms: String(context.intervalMs),
  };
  return query.replace(
    VARIABLE_REGEX,
    (match, var1?: string, var2?: string, fmt2?: string, var3?: string, _fieldPath?: string, fmt3?: string) => {
      const name = (var1 ?? var2 ?? var3) as string;
      const format = fmt2 ?? fmt3;
      const builtin = builtins[name];
      if (builtin !== undefined) return builtin;
      const variable = context.variables.find((v) => v.name === name);
      if (!variable) return match;
      let value: string | string[] = variable.current;
      if (isAll(value)) {
        if (variable.allValue && format !== 'text' && format !== 'percentencode') {
          // Grafana inserts a custom all value unformatted (it may itself hold variables).
          return interpolateVariables(variable.allValue, context);
        }
        value = (variable.options ?? []).map((o) => o.value).filter((v) => v !== ALL);
      }
      if (format === undefined) return pluginDefaultFormat(value);
      const formatter = FORMATS[format];
      if (!formatter) throw new Error(`variable format "${format}" is not supported by this expander`);
      return formatter(value);
    },
  );
}

/** Grafana's interval string for $__interval (rangeutil.secondsToHms). */
function formatInterval(ms: number): string {
  const s = ms / 1000;
  if (s >= 31536000 && Number.isInteger(s / 31536000)) return `${s / 31536000}y`;
  if (s >= 604800 && Number.isInteger(s / 604800)) return `${s / 604800}w`;
  if (s >= 86400 && Number.isInteger(s / 86400)) return `${s / 86400}d`;
  if (s >= 3600 && Number.isInteger(s / 3600)) return `${s / 3600}h`;
  if (s >= 60 && Number.isInteger(s / 60)) return `${s / 60}m`;
  if (s >= 1 && Number.isInteger(s)) return `${s}s`;
  return `${ms}ms`;
}

// ---------------------------------------------------------------- 3. backend macros

type MacroFn = (args: string[], context: QueryContext) => string;

const seconds = (ms: number): number => Math.floor(ms / 1000);
const toDateTime = (ms: number): string => `toDateTime(${seconds(ms)})`;
const toDateTime64 = (ms: number): string => `fromUnixTimestamp64Milli(${ms})`;
const toDate = (ms: number): string => `toDate('${new Date(ms).toISOString().slice(0, 10)}')`;

function expectArgs(name: string, args: string[], count: number): void {
  if (args.length !== count) {
    throw new Error(`${name}: unexpected number of arguments: expected ${count} argument${count === 1 ? '' : 's'}, received ${args.length}`);
  }
}

const MACROS: Record<string, MacroFn> = {
  fromTime: (_a, c) => toDateTime(c.fromMs),
  toTime: (_a, c) => toDateTime(c.toMs),
  fromTime_ms: (_a, c) => toDateTime64(c.fromMs),
  toTime_ms: (_a, c) => toDateTime64(c.toMs),
  timeFilter: (a, c) => {
    expectArgs('$__timeFilter', a, 1);
    return `${a[0]} >= ${toDateTime(c.fromMs)} AND ${a[0]} <= ${toDateTime(c.toMs)}`;
  },
  timeFilter_ms: (a, c) => {
    expectArgs('$__timeFilter_ms', a, 1);
    return `${a[0]} >= ${toDateTime64(c.fromMs)} AND ${a[0]} <= ${toDateTime64(c.toMs)}`;
  },
  dateFilter: (a, c) => {
    expectArgs('$__dateFilter', a, 1);
    return `${a[0]} >= ${toDate(c.fromMs)} AND ${a[0]} <= ${toDate(c.toMs)}`;
  },
  dateTimeFilter: (a, c) => dateTimeFilter(a, c),
  dt: (a, c) => dateTimeFilter(a, c),
  timeInterval: (a, c) => {
    expectArgs('$__timeInterval', a, 1);
    return `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${Math.max(Math.floor(c.intervalMs / 1000), 1)} second)`;
  },
  timeInterval_ms: (a, c) => {
    expectArgs('$__timeInterval_ms', a, 1);
    return `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${Math.max(Math.floor(c.intervalMs), 1)} millisecond)`;
  },
  interval_s: (_a, c) => String(Math.max(Math.floor(c.intervalMs / 1000), 1)),
};

function dateTimeFilter(a: string[], c: QueryContext): string {
  expectArgs('$__dateTimeFilter', a, 2);
  const [dateCol, timeCol] = a as [string, string];
  return (
    `(${dateCol} >= ${toDate(c.fromMs)} AND ${dateCol} <= ${toDate(c.toMs)}) AND ` +
    `(${timeCol} >= ${toDateTime(c.fromMs)} AND ${timeCol} <= ${toDateTime(c.toMs)})`
  );
}

/** sqlutil's parseArgs: a bracketed list right after the name; nested brackets kept whole. */
function parseArgs(rest: string): { args: string[]; length: number } {
  if (!rest.startsWith('(')) return { args: [], length: 0 };
  const args: string[] = [];
  let depth = 0;
  let arg = '';
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i] as string;
    if (ch === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args.push(arg.trim());
        return { args, length: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(arg.trim());
      arg = '';
      continue;
    }
    arg += ch;
  }
  throw new Error('failed to parse macro arguments (missing close bracket?)');
}

export function expandBackendMacros(query: string, context: QueryContext): string {
  // `\b` after the name keeps $__timeFilter from matching inside $__timeFilter_ms; matches are
  // replaced by position, last first, so one macro's text never rewrites another's.
  const matches: { start: number; end: number; name: string; args: string[] }[] = [];
  for (const name of Object.keys(MACROS)) {
    for (const m of query.matchAll(new RegExp(`\\$__${name}\\b`, 'g'))) {
      const end = m.index + m[0].length;
      const { args, length } = parseArgs(query.slice(end));
      matches.push({ start: m.index, end: end + length, name, args });
    }
  }
  matches.sort((a, b) => b.start - a.start);
  let sql = query;
  for (const m of matches) {
    sql = sql.slice(0, m.start) + (MACROS[m.name] as MacroFn)(m.args, context) + sql.slice(m.end);
  }
  return sql;
}

/** The SQL ClickHouse receives for a panel query. */
export function expandPanelQuery(rawSql: string, context: QueryContext): string {
  const withConditionals = applyConditionalAll(rawSql, context.variables);
  const withVariables = interpolateVariables(withConditionals, context);
  return expandBackendMacros(withVariables, context);
}
