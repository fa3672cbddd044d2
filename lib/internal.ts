/**
 * Internal entry point of the built package, dist/internal.js (not in
 * `exports`): the internals that bench/ and spec/ drive directly, from the
 * same module instance as dist/index.js (the wire extensions set here are
 * the ones the library encodes with). Not public API: no semver promise.
 */
import './index.ts'; // built, this keeps the library in one shared chunk with dist/index.js's

export { Channel } from './ipc/channel.ts';
export { greet } from './ipc/auth.ts';
export { decodeBody, decodeYield, encodePldShared, encodeShared, yieldHead } from './msg/codec.ts';
export { setWireExtensions } from './msg/ext.ts';
