export { openStore, embeddedStorePath, openEmbeddedReadOnlyClient, DEFAULT_DATABASE, type Store, type StoreOptions } from './open-store.ts';
export { openReadClient, resolveStoreLocation, DEFAULT_DATA_DIR, type ReadClient, type ReadClientOptions } from './read-client.ts';
