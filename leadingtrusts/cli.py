"""The `leadingtrusts` command: check content, build, serve members, publish, bench."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ContentError

PROJECT = Path.cwd()


def _check(args: argparse.Namespace) -> int:
    """Validate content/ and every page's front matter without building;
    --format github prints annotations."""
    from .pipeline.stage import read_sources
    from .pipeline.sources import Project

    try:
        sources = read_sources(Project(PROJECT))
    except ContentError as error:
        for problem in error.problems:
            print(problem.github_annotation() if args.format == "github" else str(problem),
                  file=sys.stdout if args.format == "github" else sys.stderr)
        return 1
    site = sources.site
    print(f"content/ and docs/ are valid: {len(site.cohorts)} cohorts, "
          f"{len(site.principles)} principles, {len(sources.pages)} pages")
    return 0


def _schemas(args: argparse.Namespace) -> int:
    """Write (or with --check, compare) the JSON Schema files in content/schemas/."""
    from .site.jsonschemas import json_schemas

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
    from .pipeline.context import AUDIENCES
    from .pipeline.run import build
    from .pipeline.sources import Project

    audiences = AUDIENCES if args.audience == "all" else (args.audience,)
    return build(Project(PROJECT), Path(args.site_dir), audiences, engine=args.engine,
                 cohort=args.cohort)


def _serve_members(args: argparse.Namespace) -> int:
    """Build the members' site if it is missing or stale, then run the demo gateway."""
    from .gateway.demo import run_demo
    from .pipeline.run import build
    from .pipeline.sources import Project

    project = Project(PROJECT)
    site = Path(args.site_dir) / "members"
    marker = site / "index.html"
    if not marker.exists() or project.newest_source_time() > marker.stat().st_mtime:
        code = build(project, Path(args.site_dir), ("members",))
        if code:
            return code
    run_demo(site, host=args.host, port=args.port)
    return 0


def _serve(args: argparse.Namespace) -> int:
    """Live preview of the public site."""
    from .pipeline.serve import serve
    from .pipeline.sources import Project

    return serve(Project(PROJECT), host=args.host, port=args.port)


def _publish(args: argparse.Namespace) -> int:
    from .pipeline.publish import publish

    return publish(PROJECT, cohort=args.cohort, branch=args.branch)


def _bench(args: argparse.Namespace) -> int:
    from .pipeline.bench import main as bench_main

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
    build.add_argument("--engine", choices=("mkdocs", "properdocs"), default="mkdocs")
    build.add_argument("--cohort", default=None, help="the cohort to show (default: the newest)")
    build.set_defaults(run=_build)

    preview = commands.add_parser("serve", help="live preview of the public site")
    preview.add_argument("--host", default="127.0.0.1")
    preview.add_argument("--port", type=int, default=8000)
    preview.set_defaults(run=_serve)

    serve = commands.add_parser("serve-members", help="build if needed and run the demo gateway")
    serve.add_argument("--site-dir", default="site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8001)
    serve.set_defaults(run=_serve_members)

    publish = commands.add_parser("publish", help="deploy every cohort (or one) with mike")
    publish.add_argument("--cohort", default=None, help="publish only this cohort id")
    publish.add_argument("--branch", default="gh-pages")
    publish.set_defaults(run=_publish)

    bench = commands.add_parser("bench", help="time the build against a bare Material blog site")
    bench.add_argument("--pieces", type=int, nargs="+", default=[0, 100, 1000],
                       help="numbers of generated thinkpieces to build (default: 0 100 1000)")
    bench.add_argument("--repeat", type=int, default=1, help="keep the fastest of this many runs")
    bench.set_defaults(run=_bench)

    from .gateway.cli import register

    register(commands)  # `leadingtrusts members add|list|remove|reset-password|serve`
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
