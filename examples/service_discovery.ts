// Service discovery: actors are found by name through the registrar, and the
// registry itself can be listed. The TS twin of tractor's
// examples/service_discovery.py.
//
//   npx tsx examples/service_discovery.ts
//
// The first root on a host listens on the registry address (default
// tcp://127.0.0.1:1616, or TRACTOR_TS_REGISTRY_ADDRS) and becomes the
// registrar; every actor registers its name and addresses with it at boot and
// unregisters at exit.
import * as tractor from 'tractor-ts';

/** What a found service answers. */
export async function describe(): Promise<string> {
  const { name, pid } = tractor.currentActor();
  return `${name} at your service (pid ${pid})`;
}

async function main(service: string): Promise<void> {
  await using an = await tractor.openNursery({ enableModules: [import.meta.url] });
  await an.startActor(service);

  {
    // a portal to the registrar itself; its 'self' namespace serves the registry
    await using registrar = await tractor.getRegistry();
    console.log(`Registrar is ${registrar.chan.aid?.name}, listening on ${tractor.getRuntimeVars().registryAddrs[0]}`);
  }

  // an actor registers in the background right after it booted: wait for it by name
  {
    await using portal = await tractor.waitForActor(service);
    console.log(`${service} is found at ${await tractor.queryActor(service)}`);
    console.log(await portal.run(describe));
  }

  // findActor answers at once: a portal, or undefined when nobody has that name
  console.log(`findActor('no_such_service') -> ${await tractor.findActor('no_such_service')}`);

  // every registered actor, in registration order
  await using registrar = await tractor.getRegistry();
  const entries = (await registrar.runFromNs('self', 'get_registry')) as tractor.RegistryEntry[];
  console.log('registry:');
  for (const e of entries) console.log(`  ${e.name} (pid ${e.pid}) at ${e.addrs.join(', ')}`);

  await an.cancel();
}

if (tractor.isMain(import.meta)) tractor.run(() => main('some_actor_name'));
