"""The `leadingtrusts` command: check content, build, serve members, publish, bench."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ContentError

PROJECT = Path.cwd()


def _check(args: argparse.Namespace) -> int:
    """Validate content/ without building; --format github prints annotations."""
    from .content import load_site

    try:
        site = load_site(PROJECT / "content")
    except ContentError as error:
        for problem in error.problems:
            print(problem.github_annotation() if args.format == "github" else str(problem),
                  file=sys.stdout if args.format == "github" else sys.stderr)
        return 1
    print(f"content/ is valid: {len(site.cohorts)} cohorts, {len(site.principles)} principles")
    return 0


def _schemas(args: argparse.Namespace) -> int:
    """Write (or with --check, compare) the JSON Schema files in content/schemas/."""
    from .content import json_schemas

    folder = PROJECT / "content" / "schemas"
    stale = []
    for name, text in json_schemas().items():
        path = folder / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"error: stale JSON Schemas in content/schemas/: {', '.join(stale)}; "
              "run `make schemas`", file=sys.stderr)
        return 1
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import AUDIENCES, build

    audiences = AUDIENCES if args.audience == "all" else (args.audience,)
    return build(PROJECT, Path(args.site_dir), audiences, quiet=not args.verbose)


def _serve_members(args: argparse.Namespace) -> int:
    """Build the members' site if it is missing or stale, then run the demo gateway."""
    from .build import build, is_stale
    from .gateway.demo import run_demo

    site = Path(args.site_dir) / "members"
    if is_stale(PROJECT, site):
        code = build(PROJECT, Path(args.site_dir), ("members",))
        if code:
            return code
    run_demo(site, host=args.host, port=args.port)
    return 0


def _publish(args: argparse.Namespace) -> int:
    from .publish import publish

    return publish(PROJECT, cohort=args.cohort, branch=args.branch)


def _bench(args: argparse.Namespace) -> int:
    from .bench import main as bench_main

    return bench_main(args)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="leadingtrusts", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate content/ and report every problem")
    check.add_argument("--format", choices=("text", "github"), default="text")
    check.set_defaults(run=_check)

    schemas = commands.add_parser("schemas", help="regenerate content/schemas/*.schema.json")
    schemas.add_argument("--check", action="store_true", help="fail if the files are stale")
    schemas.set_defaults(run=_schemas)

    build = commands.add_parser("build", help="build site/public and site/members atomically")
    build.add_argument("--audience", choices=("all", "public", "members"), default="all")
    build.add_argument("--site-dir", default="site")
    build.add_argument("--verbose", action="store_true", help="show MkDocs' progress messages")
    build.set_defaults(run=_build)

    serve = commands.add_parser("serve-members", help="build if needed and run the demo gateway")
    serve.add_argument("--site-dir", default="site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.set_defaults(run=_serve_members)

    publish = commands.add_parser("publish", help="deploy every cohort (or one) with mike")
    publish.add_argument("--cohort", default=None, help="publish only this cohort id")
    publish.add_argument("--branch", default="gh-pages")
    publish.set_defaults(run=_publish)

    bench = commands.add_parser("bench", help="measure build time against the page count")
    bench.add_argument("--pages", type=int, nargs="*", default=[100, 400])
    bench.set_defaults(run=_bench)

    from .gateway.cli import register

    register(commands)  # `leadingtrusts members add|list|remove|reset-password|serve`
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
