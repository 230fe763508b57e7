import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';

/** An instrumentation that patches a whole SDK module object itself (module hooks, aliased imports, bundled apps). */
export interface ModulePatcher {
  patchModule(moduleExports: unknown): unknown;
  unpatchModule(moduleExports: unknown): void;
}

/**
 * The module definition of an SDK patched by the instrumentation's own `patchModule` and
 * `unpatchModule`, so the module hooks and users calling those methods directly patch alike.
 */
export function sdkModuleDefinition(name: string, supportedVersions: string[], patcher: ModulePatcher): InstrumentationNodeModuleDefinition {
  return new InstrumentationNodeModuleDefinition(
    name,
    supportedVersions,
    (moduleExports: unknown) => patcher.patchModule(moduleExports),
    (moduleExports: unknown) => {
      patcher.unpatchModule(moduleExports);
    },
  );
}
