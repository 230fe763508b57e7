export { startQueryEndpoint, type QueryEndpoint, type QueryEndpointOptions } from './server.ts';
export { checkReadOnlyStatement, formatClause, type StatementCheck } from './sql-guard.ts';
export {
  findRunningCollector,
  readCollectorInfo,
  writeCollectorInfo,
  removeCollectorInfo,
  collectorInfoPath,
  type CollectorInfo,
} from './advertise.ts';
