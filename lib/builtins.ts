/**
 * The Node built-ins the library reaches through `process.getBuiltinModule()`
 * instead of an `import`, for what an `import` would cost every actor at
 * boot, a worker thread's included:
 * - `node:fs` and `node:util`: an ESM import of a built-in builds its whole
 *   namespace, which runs their lazy parts (fs/promises, file streams and
 *   readline; util's parseArgs and diff): about 1.5 ms of a boot.
 * - `node:crypto`, `node:tls`, `node:child_process`, `node:inspector`: loaded
 *   by their first use (a cookie or TLS, a first spawn, the debugger), which
 *   most actors never make.
 *
 * scripts/build.mjs fails a build whose library imports one of them.
 */
export const fs = () => process.getBuiltinModule('node:fs');
export const util = () => process.getBuiltinModule('node:util');
export const crypto = () => process.getBuiltinModule('node:crypto');
export const tls = () => process.getBuiltinModule('node:tls');
export const childProcess = () => process.getBuiltinModule('node:child_process');
export const inspector = () => process.getBuiltinModule('node:inspector');
