# The Python side of examples/python_peer.ts: a Python tractor daemon named
# `pyd` serving this module. Run it from the repository root:
#
#   pip install tractor            # or: pip install git+https://github.com/goodboy/tractor
#   python examples/python_peer/pyfuncs.py
#
# then, in another terminal: npx tsx examples/python_peer.ts
import os

import tractor
import trio


async def add(x: int, y: int) -> int:
    return x + y


async def ticks(n: int):
    for i in range(n):
        await trio.sleep(0.005)
        yield i


@tractor.context
async def echo(ctx: tractor.Context, greeting: str) -> str:
    await ctx.started(f'started:{greeting}')
    n = 0
    async with ctx.open_stream() as stream:
        async for msg in stream:
            n += 1
            await stream.send(msg)
    return f'echoed {n}'


def registry_addrs() -> list[tuple[str, int]]:
    # the same override as tractor-ts: TRACTOR_TS_REGISTRY_ADDRS=tcp://host:port
    addr = os.environ.get('TRACTOR_TS_REGISTRY_ADDRS', 'tcp://127.0.0.1:1616').split(',')[0]
    host, _, port = addr.removeprefix('tcp://').rpartition(':')
    return [(host, int(port))]


if __name__ == '__main__':
    # registers as `pyd` with the registrar (becoming it if none answers)
    tractor.run_daemon(['pyfuncs'], name='pyd', registry_addrs=registry_addrs())
