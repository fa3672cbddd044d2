// Service daemon discovery, part 2 of 2: a separate program that finds the
// daemon by name through the registrar and calls it. Start the daemon first
// (see ./README.md):
//
//   npx tsx examples/service_daemon_discovery/daemon.ts     # terminal 1
//   npx tsx examples/service_daemon_discovery/client.ts     # terminal 2
import * as tractor from 'tractor-ts';
// Importing the daemon's module gives us `ping` and `shout` to call by reference
// (it does not start a daemon: its entry point is guarded by isMain).
import { ping, SERVICE, shout } from './daemon.ts';

async function main(): Promise<void> {
  await using portal = await tractor.findActor(SERVICE);
  if (!portal) {
    console.error(`no ${SERVICE} is registered: start examples/service_daemon_discovery/daemon.ts first`);
    process.exitCode = 1;
    return;
  }
  console.log(`found ${SERVICE} at ${await tractor.queryActor(SERVICE)}`);
  console.log(await portal.run(ping, { msg: 'hello from the client' }));
  const words: string[] = [];
  {
    await using stream = await portal.openStreamFrom(shout, { text: 'structured concurrency across programs' });
    for await (const w of stream) words.push(w as string);
  }
  console.log(words.join(' '));
}

if (tractor.isMain(import.meta)) tractor.run(main, { name: 'client' });
