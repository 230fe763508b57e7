/**
 * The shape of Grafana's dashboard schema at run time. @grafana/schema ships TypeScript types
 * (generated from Grafana's CUE schema) and enums, but no JSON schema or validator, so the key
 * lists here are tied to its types at compile time: `tsc` fails when a list misses a key of the
 * type or names one it does not have, and the tests check the committed JSON against the lists.
 */
import type { AnnotationQuery, Dashboard, DashboardLink, GridPos, Panel, VariableModel, VariableType } from '@grafana/schema';
import { DashboardCursorSync, VariableHide, VariableRefresh, VariableSort } from '@grafana/schema';

/** `L` when it lists exactly the keys of `T`, else `never` (so the assignment below fails). */
type AllKeys<T, L extends readonly PropertyKey[]> = [Exclude<keyof T, L[number]>, Exclude<L[number], keyof T>] extends [never, never] ? L : never;

export const keys = <T>() => <const L extends readonly PropertyKey[]>(list: AllKeys<T, L> & L): ReadonlySet<string> => new Set(list as readonly string[]);

export const DASHBOARD_KEYS = keys<Dashboard>()([
  'annotations', 'description', 'editable', 'fiscalYearStartMonth', 'gnetId', 'graphTooltip', 'id', 'links', 'liveNow',
  'panels', 'preload', 'refresh', 'revision', 'schemaVersion', 'snapshot', 'tags', 'templating', 'time', 'timepicker',
  'timezone', 'title', 'uid', 'version', 'weekStart',
]);

export const PANEL_KEYS = keys<Panel>()([
  'autoMigrateFrom', 'cacheTimeout', 'datasource', 'description', 'fieldConfig', 'gridPos', 'hideTimeOverride', 'id',
  'interval', 'libraryPanel', 'links', 'maxDataPoints', 'maxPerRow', 'options', 'pluginVersion', 'queryCachingTTL',
  'repeat', 'repeatDirection', 'targets', 'timeCompare', 'timeFrom', 'timeShift', 'title', 'transformations',
  'transparent', 'type',
]);

export const VARIABLE_KEYS = keys<VariableModel>()([
  'allValue', 'allowCustomValue', 'current', 'datasource', 'description', 'enableGroupBy', 'hide', 'includeAll', 'label',
  'multi', 'name', 'options', 'query', 'refresh', 'regex', 'regexApplyTo', 'skipUrlSync', 'sort', 'staticOptions',
  'staticOptionsOrder', 'type', 'valuesFormat',
]);

export const GRID_POS_KEYS = keys<GridPos>()(['h', 'static', 'w', 'x', 'y']);

export const DASHBOARD_LINK_KEYS = keys<DashboardLink>()([
  'asDropdown', 'icon', 'includeVars', 'keepTime', 'origin', 'placement', 'tags', 'targetBlank', 'title', 'tooltip', 'type', 'url',
]);

export const ANNOTATION_KEYS = keys<AnnotationQuery>()([
  'builtIn', 'datasource', 'enable', 'filter', 'hide', 'iconColor', 'name', 'placement', 'snapshotData', 'target', 'type',
]);

/** Required (non-optional) keys, as the schema types declare them. */
export const REQUIRED = {
  dashboard: ['schemaVersion'],
  panel: ['type'],
  variable: ['name', 'type'],
  gridPos: ['h', 'w', 'x', 'y'],
  link: ['asDropdown', 'icon', 'includeVars', 'keepTime', 'tags', 'targetBlank', 'title', 'tooltip', 'type'],
  annotation: ['datasource', 'enable', 'iconColor', 'name'],
} as const satisfies Record<string, readonly string[]>;

const VARIABLE_TYPE_LIST = ['query', 'adhoc', 'groupby', 'constant', 'datasource', 'interval', 'textbox', 'custom', 'system', 'snapshot', 'switch'] as const;
// Every VariableType, and nothing else.
const variableTypesChecked: AllKeys<Record<VariableType, true>, typeof VARIABLE_TYPE_LIST> = VARIABLE_TYPE_LIST;
export const VARIABLE_TYPES: ReadonlySet<string> = new Set(variableTypesChecked);

/** The numeric values of a TypeScript enum object. */
const enumValues = (e: Record<string, string | number>): ReadonlySet<number> => new Set(Object.values(e).filter((v): v is number => typeof v === 'number'));

export const VARIABLE_HIDE = enumValues(VariableHide);
export const VARIABLE_REFRESH = enumValues(VariableRefresh);
export const VARIABLE_SORT = enumValues(VariableSort);
export const CURSOR_SYNC = enumValues(DashboardCursorSync);
