"""The `leadingtrusts` command: check content, build, serve members, publish, bench."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ContentError

if TYPE_CHECKING:
    from .errors import Problem
    from .pipeline.sources import Project

PROJECT = Path.cwd()


def _check(args: argparse.Namespace) -> int:
    """Validate content/, every page's front matter, its macros and its links, without
    running an engine (the stage writes into a temporary folder); --format github
    prints annotations."""
    import tempfile

    from .pipeline.context import AUDIENCES, Settings, build_time
    from .pipeline.stage import pick_context, read_sources, write_tree
    from .pipeline.sources import Project

    try:
        sources = read_sources(Project(PROJECT))
        settings = Settings.load(PROJECT)  # content/deployment.yml, and LT_* over it
        with tempfile.TemporaryDirectory(prefix="leadingtrusts-check-") as folder:
            for audience in AUDIENCES:  # macros and links, as each audience reads them
                context = pick_context(sources, audience, None, build_time(), settings)
                write_tree(sources, context, Path(folder) / audience)
    except ContentError as error:
        for problem in error.problems:
            print(problem.github_annotation() if args.format == "github" else str(problem),
                  file=sys.stdout if args.format == "github" else sys.stderr)
        return 1
    site = sources.site
    print(f"content/ and docs/ are valid (macros and links included): {len(site.cohorts)} cohorts, "
          f"{len(site.principles)} principles, {len(sources.pages)} pages")
    for warning in _unsourced_figures(sources.project):
        print(f"::warning file={warning.file},line={warning.line}::{warning.field}: "
              f"{warning.message}" if args.format == "github" else str(warning))
    return 0


def _unsourced_figures(project: Project) -> list[Problem]:
    """A warning (not an error: the figure is shown, without a source line) for each
    figure in programme.yml whose source is still empty, at the line of its key."""
    from .errors import Problem
    from .site.loading import load_file
    from .site.schema import collection

    loaded = load_file(project.content / "programme.yml", collection("programme").model)
    warnings = []
    for key, figure in loaded.model.figures.items():
        if figure.source is None:
            where = (loaded.source.keys.get(("figures", key, "source"))
                     or loaded.source.keys.get(("figures", key)))
            warnings.append(Problem(loaded.source.file, where.line if where else None, None,
                                    f"figures.{key}", "no source yet (shown without a source line)"))
    return warnings


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
    from .pipeline.csp import SCRIPT_HASHES_FILE
    from .pipeline.run import build
    from .pipeline.sources import Project

    project = Project(PROJECT)
    site = Path(args.site_dir) / "members"
    marker = site / "index.html"
    # A build without script hashes predates the gateway's CSP: its inline scripts would not run.
    stale = not (site / SCRIPT_HASHES_FILE).exists()
    if stale or not marker.exists() or project.newest_source_time() > marker.stat().st_mtime:
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
    from .pipeline.publish import check_settings, publish

    if args.check_settings:
        return check_settings(PROJECT)
    return publish(PROJECT, cohort=args.cohort, branch=args.branch)


def _member_files(args: argparse.Namespace) -> int:
    """List the source files only members may read; --fail-if-any exits 1 if there are any
    (the publish workflow's guard on a public repository)."""
    from .pipeline.publish import member_only_files
    from .pipeline.stage import read_sources
    from .pipeline.sources import Project

    try:
        files = member_only_files(read_sources(Project(PROJECT)))
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    for name in files:
        print(name)
    if files and args.fail_if_any:
        print(f"error: {len(files)} member-only source file(s), listed above", file=sys.stderr)
        return 1
    return 0


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
    publish.add_argument("--check-settings", action="store_true",
                         help="only check that the deployment settings name a live site")
    publish.set_defaults(run=_publish)

    member_files = commands.add_parser("member-files",
                                       help="list the source files only members may read")
    member_files.add_argument("--fail-if-any", action="store_true",
                              help="exit 1 if there are any (for a public repository)")
    member_files.set_defaults(run=_member_files)

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
