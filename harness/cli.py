"""The `harness` command: argument parsing and exit codes, nothing else.

Exit codes: 0 passed, 1 an SLO failed (or another error), 2 invalid input,
3 the infrastructure was not there (stack, Toxiproxy, Docker, a program).
"""

from __future__ import annotations

import argparse
import logging
import sys

from tabulate import tabulate

from harness import __version__
from harness.errors import HarnessError
from harness.platforms import PLATFORMS, get_platform


def _stack_up(args: argparse.Namespace) -> int:
    from harness.playback import free_to_air_url

    platform = get_platform(args.platform)
    platform.up()
    _print_status(platform)
    print(f"\nplay the free-to-air match: {free_to_air_url()}")
    print("  (for example: ffplay '<url>', or paste it into an hls.js demo page)")
    return 0


def _stack_down(args: argparse.Namespace) -> int:
    get_platform(args.platform).down()
    print(f"the {args.platform} stack is down")
    return 0


def _print_status(platform) -> bool:
    rows = platform.status()
    print(tabulate([(r.component, r.handle, r.port, r.health) for r in rows],
                   headers=("component", f"{platform.name} handle", "port", "health")))
    return all(r.health == "healthy" for r in rows)


def _stack_status(args: argparse.Namespace) -> int:
    healthy = _print_status(get_platform(args.platform))
    return 0 if healthy else 3


def _stack_restart(args: argparse.Namespace) -> int:
    platform = get_platform(args.platform)
    platform.start(args.component)
    platform.wait_healthy()
    print(f"{args.component} is running and the stack is healthy")
    return 0


def _stack_url(args: argparse.Namespace) -> int:
    from harness.playback import free_to_air_url

    print(free_to_air_url())
    return 0


def _stack_build(args: argparse.Namespace) -> int:
    from harness import images

    made = images.build(mode=args.mode, force=args.force)
    print("built: " + (", ".join(made) if made else "nothing (every image exists; --force rebuilds)"))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="harness", description="kickoff: load and chaos testing "
                                  "for live sports streaming")
    top.add_argument("--version", action="version", version=f"kickoff {__version__}")
    top.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    commands = top.add_subparsers(dest="command", required=True)

    stack = commands.add_parser("stack", help="the reference streaming stack")
    actions = stack.add_subparsers(dest="action", required=True)

    def action(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help)
        sub.add_argument("--platform", choices=sorted(PLATFORMS), default="local",
                         help="where the stack runs (default: local processes)")
        sub.set_defaults(handler=handler)
        return sub

    action("up", _stack_up, "start the stack, wait until healthy, print a playable URL")
    action("down", _stack_down, "stop and remove everything the stack started")
    action("status", _stack_status, "a table of components, handles, ports and health")
    action("url", _stack_url, "print a playable URL of the free-to-air match")
    restart = action("restart", _stack_restart, "start one stopped or killed component again")
    restart.add_argument("component")
    build = actions.add_parser("build", help="build the stack's Docker images")
    mode = build.add_mutually_exclusive_group()
    mode.add_argument("--offline", dest="mode", action="store_const", const="offline",
                      help="debootstrap + docker import, no container registry needed")
    mode.add_argument("--connected", dest="mode", action="store_const", const="connected",
                      help="FROM debian:bookworm-slim and the official Toxiproxy image")
    build.add_argument("--force", action="store_true", help="rebuild images that exist")
    build.set_defaults(handler=_stack_build, mode="auto")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="kickoff: %(message)s", stream=sys.stderr)
    try:
        return args.handler(args)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
