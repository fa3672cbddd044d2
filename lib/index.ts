/**
 * tractor-ts: structured concurrency across processes.
 *
 * ```ts
 * import * as tractor from 'tractor-ts';
 * export async function hi(args: { who: string }) { return `hi ${args.who} from ${tractor.currentActor().name}`; }
 * async function main() {
 *   await using an = await tractor.openNursery();
 *   const portal = await an.runInActor(hi, { who: 'root' });
 *   console.log(await portal.waitForResult());
 * }
 * if (tractor.isMain(import.meta)) tractor.run(main);
 * ```
 * @module
 */
export { openRoot, openNursery, run, runDaemon, Root, type RootOptions } from './root.ts';
export { ActorNursery, type SpawnOptions, type NurseryOptions } from './runtime/nursery.ts';
export {
  Portal, type ArgsOf, type CallArgs, type ContextArgsOf, type ResultOf, type RemoteFn, type RemoteGenFn, type YieldOf, type CallOptions,
} from './runtime/portal.ts';
export { currentActor, type ActorInfo as Actor } from './runtime/current.ts';
export { remoteFunction, type RemoteRef, type RemoteTarget } from './runtime/remote.ts';
export type { ModuleSpec } from './runtime/resolve.ts';
export { isMain, isRootProcess, getRuntimeVars, type RuntimeVars, type StartMethod } from './runtime/state.ts';
export { currentSignal, sleep, sleepForever } from './runtime/scope.ts';
export { context, type ContextFn, type ContextEndpointOptions, type FirstOf, type MsgOf } from './context/endpoint.ts';
export { Context, currentIpcCtx, type ContextOptions } from './context/context.ts';
export { MsgStream, type OpenStreamOptions } from './context/stream.ts';
export { BroadcastReceiver } from './trionics/broadcast.ts';
export type { StandardSchemaV1 } from './msg/payload.ts';
export { findActor, waitForActor, queryActor, getRegistry, type DiscoveryOptions } from './discovery/api.ts';
export type { RegistryEntry } from './discovery/registry.ts';
export { openActorCluster, ActorCluster, type ClusterOptions } from './cluster.ts';
export type { MapOptions } from './runtime/pool.ts';
export type { ChannelView as Channel, Aid } from './ipc/channel.ts';
export type { Address, TransportName } from './ipc/addr.ts';
export type { TlsOptions } from './ipc/tls.ts';
export type { Uid } from './uid.ts';
export {
  TractorError, InvalidArgument, RemoteActorError, ContextCancelled, ModuleNotExposed, MsgTypeError, TransportClosed,
  ConnectTimeout, HandshakeTimeout, StreamOverrun, Lagged, EndOfStream, NoResult, InvalidAddress, RegistryError, NotARegistrar,
  UnknownRuntimeMethod, FunctionNotFound, FrameTooLarge, ActorFailure, Cancelled, RuntimeUsageError, AuthenticationError, DebuggerQuit, formatError,
} from './errors.ts';
export { registerErrorType } from './msg/box.ts';
export type { ErrorConstructorLike, RemoteErrorInfo, TransportClosedReason } from './errors.ts';
export type { FuncType } from './msg/types.ts';
export { pause, postMortem } from './devx/repl.ts';
export { openTaskNursery, TaskNursery } from './trionics/task-nursery.ts';
/**
 * Local structured-concurrency helpers beyond the task nursery, as Python
 * tractor's `tractor.trionics`: `gatherContexts(portals, ep, args)` opens one
 * context per portal together, `maybeOpenContext(key, factory)` shares one
 * resource among the tasks of an actor.
 */
export * as trionics from './trionics/index.ts';
/**
 * Hosting plain Promise / callback / EventEmitter code inside a supervised
 * actor (the twin of Python tractor's `to_asyncio`): `runTask` and
 * `openChannelFrom` in an actor spawned with `infectPromises: true`;
 * `fromCallback`, `events` and `pipe` in any actor.
 */
export * as toPromise from './infect/to-promise.ts';
/**
 * Logging on `debug` namespaces `tractor:<actor>:<area>`: `getLogger(area)`
 * and `getConsoleLog(level)`. The `loglevel` given to a root or nursery
 * reaches its children.
 */
export * as log from './log-api.ts';
export type { LogLevel } from './log.ts';
/**
 * The wire's custom types: `registerType({ code, type, encode, decode })`
 * makes a class cross every channel of this actor; the built-in codes
 * (`EXT_MAP`, `EXT_SET`, `EXT_BIGINT`, `EXT_TYPED_ARRAY`) are taken.
 */
export * as msg from './msg/api.ts';
