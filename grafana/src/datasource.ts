/** The provisioned ClickHouse data source every dashboard panel and alert rule points at. */
export const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: 'spendtrace-clickhouse' } as const;
/** Grafana's server-side expressions (reduce, threshold, math) in alert rules. */
export const EXPRESSION_DATASOURCE = { type: '__expr__', uid: '__expr__' } as const;
