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
export { Portal, type ArgsOf, type ResultOf, type RemoteFn, type RemoteGenFn, type YieldOf, type CallOptions } from './runtime/portal.ts';
export { currentActor, type ActorInfo as Actor } from './runtime/current.ts';
export { remoteFunction, type RemoteRef, type RemoteTarget } from './runtime/remote.ts';
export type { ModuleSpec } from './runtime/resolve.ts';
export { isMain, isRootProcess, getRuntimeVars, type RuntimeVars, type StartMethod } from './runtime/state.ts';
export { currentSignal, sleep, sleepForever } from './runtime/scope.ts';
export { context, type ContextFn, type ContextEndpointOptions } from './context/endpoint.ts';
export { Context, currentIpcCtx, type ContextOptions } from './context/context.ts';
export { MsgStream, type OpenStreamOptions } from './context/stream.ts';
export { BroadcastReceiver } from './trionics/broadcast.ts';
export type { StandardSchemaV1 } from './msg/payload.ts';
export { findActor, waitForActor, queryActor, getRegistry, type DiscoveryOptions } from './discovery/api.ts';
export type { RegistryEntry } from './discovery/registry.ts';
export { openActorCluster, ActorCluster, type ClusterOptions } from './cluster.ts';
export type { MapOptions } from './runtime/pool.ts';
export { Channel, type Aid } from './ipc/channel.ts';
export type { Address, TransportName } from './ipc/addr.ts';
export type { TlsOptions } from './ipc/tls.ts';
export type { Uid } from './uid.ts';
export {
  TractorError, InvalidArgument, RemoteActorError, ContextCancelled, ModuleNotExposed, MsgTypeError, TransportClosed,
  ConnectTimeout, HandshakeTimeout, StreamOverrun, Lagged, EndOfStream, NoResult, InvalidAddress, RegistryError, NotARegistrar,
  UnknownRuntimeMethod, ActorFailure, Cancelled, RuntimeUsageError, AuthenticationError, DebuggerQuit, formatError,
} from './errors.ts';
export { registerErrorType } from './msg/box.ts';
export { pause, postMortem } from './devx/repl.ts';
export { openTaskNursery, TaskNursery } from './trionics/task-nursery.ts';
export * as trionics from './trionics/index.ts';
export * as toPromise from './infect/to-promise.ts';
export * as log from './log.ts';
export type { LogLevel } from './log.ts';
export * as msg from './msg/api.ts';
