/** Version reported as the instrumentation scope version; kept equal to package.json. */
export const PACKAGE_VERSION = '0.1.0';
