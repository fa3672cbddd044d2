// Service daemon discovery, part 1 of 2: a long-lived service. `runDaemon`
// boots a root actor named 'echo_service' that serves this module's functions
// over RPC until SIGINT/SIGTERM, then unregisters and exits 0. Being the first
// root on the host, it also becomes the registrar. See ./README.md.
//
//   npx tsx examples/service_daemon_discovery/daemon.ts     # terminal 1
//   npx tsx examples/service_daemon_discovery/client.ts     # terminal 2
import * as tractor from 'tractor-ts';

export const SERVICE = 'echo_service';

/** Answer a ping: a one-shot RPC. */
export async function ping(args: { msg: string }): Promise<string> {
  const { name, pid } = tractor.currentActor();
  return `${name} (pid ${pid}) echoes: ${args.msg}`;
}

/** Stream the words of `text` back upper-cased: a one-way stream (async generator). */
export async function* shout(args: { text: string }): AsyncGenerator<string> {
  for (const word of args.text.split(' ')) yield word.toUpperCase();
}

if (tractor.isMain(import.meta)) {
  // `import.meta.url` enables this very module; the client imports it for `ping`/`shout` only
  void tractor.runDaemon([import.meta.url], { name: SERVICE }).then(() => console.log(`${SERVICE} stopped`));
}
