"""`patlint org`: inventory an organization's tokens and judge them by policy."""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

import click

from patlint import __version__
from patlint.cli.common import (
    EXIT_FINDINGS,
    SEVERITIES,
    VERDICT,
    _redactor,
    _write_atomic,
    check_output,
    stdout_form,
)
from patlint.errors import ConfigError


@click.command("org")
@click.argument("org_name", metavar="ORG")
@click.option("--app-id", metavar="ID", help="GitHub App ID (or client ID) for the inventory.")
@click.option(
    "--private-key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="The App's private key (PEM).",
)
@click.option(
    "--token-env",
    metavar="NAME",
    help="Environment variable with an org owner's token: also list SAML-authorized classic "
    "tokens (GitHub Enterprise Cloud), e.g. --token-env GITHUB_TOKEN.",
)
@click.option(
    "--host", default="github.com", show_default=True, metavar="HOST", help="GitHub host."
)
@click.option("--github-api", "github_api", metavar="URL", help="API base URL for HOST.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True))
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Config file (rule overrides, allow-list).",
)
@click.option(
    "--list-repos",
    is_flag=True,
    help="Write the organization's repositories (https clone URLs, one a line) for "
    "`scan --history --repos FILE`, instead of the token inventory.",
)
@click.option(
    "--archived/--no-archived",
    default=True,
    show_default=True,
    help="With --list-repos: include archived repositories.",
)
@click.option(
    "--forks/--no-forks",
    default=True,
    show_default=True,
    help="With --list-repos: include forks.",
)
def org(
    org_name: str,
    app_id: str | None,
    private_key: str | None,
    token_env: str | None,
    host: str,
    github_api: str | None,
    fmt: str,
    output: str | None,
    fail_on: str,
    config_file: str | None,
    list_repos: bool = False,
    archived: bool = True,
    forks: bool = True,
) -> int:
    """Inventory the tokens with access to organization ORG and judge them by policy.

    Fine-grained tokens come from GET /orgs/ORG/personal-access-tokens, which only a GitHub
    App can call: give --app-id and --private-key (the App needs the organization permission
    "Personal access tokens: read" and an installation on ORG). On GitHub Enterprise Cloud,
    --token-env NAME adds the SAML-authorized classic tokens (an owner's token, read from the
    environment, never from the command line). Rules: God Token, no expiration, lifetime,
    expires soon, classic where fine-grained would do.

    \b
    Examples:
      patlint org acme --app-id 123456 --private-key app.pem
      GITHUB_TOKEN=… patlint org acme --token-env GITHUB_TOKEN --format html -o acme.html
      patlint org acme --app-id 123456 --private-key app.pem --list-repos -o repos.txt
    """
    from pathlib import Path

    from patlint.config import Config, load_file
    from patlint.engine.org_audit import audit
    from patlint.engine.ruleset import build_ruleset
    from patlint.engine.run import exit_code
    from patlint.errors import GitHubError
    from patlint.github.app import app_jwt, installation_token
    from patlint.github.client import GitHubClient
    from patlint.github.org import IncompleteListing, fine_grained_tokens, saml_tokens
    from patlint.github.transport import make_session
    from patlint.github.verify import build_options, route
    from patlint.hosts import normalize_host
    from patlint.inputs import MAX_KEY, read_file
    from patlint.model import Secret, Severity
    from patlint.report.common import ReportMeta

    if bool(app_id) != bool(private_key):
        raise click.UsageError("--app-id and --private-key go together")
    if not app_id and not token_env:
        raise click.UsageError(
            "give --app-id and --private-key (fine-grained tokens), and/or --token-env NAME "
            "(SAML-authorized classic tokens)"
        )
    owner_token = None
    if token_env:
        value = os.environ.get(token_env, "").strip()
        if not value:
            raise click.UsageError(f"--token-env {token_env}: the variable is not set")
        owner_token = Secret(value, "ghp")
        # Learned before anything is sent: a 40-hex owner token has no shape the redactor
        # knows, and an API can echo it (in a login, a title, a URL).
        _redactor().learn([owner_token])
    check_output(output)
    # The key is read (bounded) and signed before anything is sent: a wrong file is exit 2 now,
    # not after the network part (and `--private-key /dev/zero` is not read forever).
    jwt = None
    if app_id and private_key:
        jwt = app_jwt(app_id, read_file(private_key, MAX_KEY, f"--private-key {private_key}"))
    config = load_file(Path(config_file)) if config_file else Config()
    ruleset = build_ruleset(config)
    host = normalize_host(host) or "github.com"
    flags = (f"{host}={github_api}",) if github_api else ()
    options = build_options(
        config.github_api, {**config.verification, "verify_unnamed_hosts": True}, flags
    )
    base = route(host, options).base_url
    if base is None:
        raise click.UsageError(f"--host {host}: not a GitHub host")
    session = make_session(2)
    if list_repos:
        try:
            client = GitHubClient(
                session, base, timeout=options.timeout, connect_timeout=options.connect_timeout
            )
            return _list_repos(client, org_name, host, jwt, owner_token, archived, forks, output)
        finally:
            session.close()
    entries = []
    failed: list[str] = []
    partial = 0  # listings that failed after some of it was read (kept)
    try:
        client = GitHubClient(
            session, base, timeout=options.timeout, connect_timeout=options.connect_timeout
        )
        if jwt is not None:
            try:
                inst = installation_token(client, org_name, jwt)
                entries += fine_grained_tokens(client, org_name, inst)
            except IncompleteListing as exc:
                entries += exc.partial
                partial += 1
                failed.append(f"every fine-grained token: {exc}")
            except GitHubError as exc:
                failed.append(f"fine-grained tokens: {exc}")
        if owner_token is not None:
            try:
                entries += saml_tokens(client, org_name, owner_token)
            except IncompleteListing as exc:
                entries += exc.partial
                partial += 1
                failed.append(f"every SAML-authorized token: {exc}")
            except GitHubError as exc:
                failed.append(f"SAML-authorized tokens: {exc}")
    finally:
        session.close()
    if not partial and failed and len(failed) == (jwt is not None) + (owner_token is not None):
        # Nothing could be listed: one clear line, no empty report that reads as "clean".
        raise ConfigError(
            f"organization {org_name} on {host} ({base}): could not list "
            + "; nor ".join(failed)
            + " (check the network path to the API, --host, --github-api and the credentials)"
        )
    notices = [
        f"incomplete inventory: could not list {what}; the report shows the tokens listed "
        "only, and the exit code is at least 1"
        for what in failed
    ]
    result = audit(entries, ruleset, org=org_name, host=host, allow=config.allow, notices=notices)
    code = exit_code(result.findings, Severity.parse(fail_on))
    if failed:  # an incomplete inventory never reads as clean
        code = max(code, EXIT_FINDINGS)
    click.get_current_context().meta[VERDICT] = code
    meta = ReportMeta(
        version=__version__,
        config_source=config.source,
        fail_on=fail_on,
        exit_code=code,
        verification=f"organization API ({host})",
        rules={r.id: r for r in ruleset.known},
    )

    def write(stream: TextIO) -> None:
        if fmt == "html":
            from patlint.report.html import render

            render(result, stream=stream, meta=meta)
        else:
            from patlint.report.org import render_json, render_text

            (render_json if fmt == "json" else render_text)(result, stream=stream, meta=meta)

    if output:
        _write_atomic(output, write, fmt)
        from patlint.report.org import summary_line

        click.echo(summary_line(result), err=True)
    else:
        stdout_form(fmt)
        write(sys.stdout)
    return code


def _list_repos(
    client: Any,
    org_name: str,
    host: str,
    jwt: Any,
    owner_token: Any,
    archived: bool,
    forks: bool,
    output: str | None,
) -> int:
    """`org ORG --list-repos`: the FILE for `scan --history --repos`."""
    from patlint.errors import GitHubError
    from patlint.github.app import installation_token
    from patlint.github.org import org_repositories, repos_list

    try:
        secret = installation_token(client, org_name, jwt) if jwt is not None else owner_token
        items = org_repositories(client, org_name, secret)
    except GitHubError as exc:
        raise ConfigError(
            f"organization {org_name} on {host}: could not list its repositories: {exc}"
        ) from None
    lines, notices = repos_list(items, archived=archived, forks=forks)
    text = "".join(f"{line}\n" for line in lines)
    for notice in notices:
        click.echo(f"note: {notice}", err=True)
    if output:
        _write_atomic(output, lambda stream: stream.write(text))
        click.echo(
            f"patlint: {len(lines)} repositories of {org_name} written to {output}", err=True
        )
    else:
        sys.stdout.write(text)
    return 0
