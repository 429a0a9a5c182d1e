"""``hinge serve``: the web app (docs/web.md) on the training log's database.

The command parses its options and runs :func:`hingecoach.web.create_app` under uvicorn; the web
libraries are imported only when it runs (``hinge --help`` stays lean).
"""

from __future__ import annotations

from pathlib import Path

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: reachable from a phone)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str | None = typer.Option(None, "--db", help="Training-log database (default: $HINGE_DB)."),
    data: Path | None = typer.Option(None, "--data", help="Uploads and reports folder (default: $HINGE_WEB_DATA)."),
    max_upload_mb: float = typer.Option(500.0, "--max-upload-mb", help="Largest video accepted, in MB."),
    max_duration_s: float = typer.Option(300.0, "--max-duration-s", help="Longest video accepted, in seconds."),
    model: str = typer.Option("full", "--model", help="Pose model for analyses: lite, full or heavy."),
    proxy_headers: bool = typer.Option(False, "--proxy-headers", help="Trust X-Forwarded-* from a local HTTPS proxy."),
    https: bool = typer.Option(False, "--https", help="Serve HTTPS (a phone's camera needs it): with --cert/--key, "
                               "or a self-signed certificate made at first run."),
    cert: Path | None = typer.Option(None, "--cert", help="TLS certificate (PEM) for --https."),
    key: Path | None = typer.Option(None, "--key", help="TLS private key (PEM) for --https."),
) -> None:
    """Run the web app: film a set on a phone, get the coaching, share it with a coach."""
    import uvicorn

    from hingecoach.errors import HingeError
    from hingecoach.store.db import get_engine
    from hingecoach.web.app import WebConfig, create_app

    if max_upload_mb <= 0 or max_duration_s <= 0:
        raise HingeError("--max-upload-mb and --max-duration-s must be positive")
    get_engine(db)   # a database that cannot be opened (or is from a newer hingecoach) is one line, before listening
    config = WebConfig(db=db, data_dir=data, max_upload_bytes=int(max_upload_mb * 1e6), max_duration_s=max_duration_s,
                       model=model)
    certfile = keyfile = None
    if (cert is None) != (key is None):
        raise HingeError("give both --cert and --key, or neither (a self-signed certificate is made)")
    if https or cert is not None:
        from hingecoach.web.tls import given_certificate, self_signed

        made = (given_certificate(cert, key) if cert is not None and key is not None
                else self_signed(config.resolved_data_dir() / "tls", (host,)))
        certfile, keyfile = str(made.cert), str(made.key)
        _say_how_to_trust(made, host, port)
    uvicorn.run(create_app(config), host=host, port=port, proxy_headers=proxy_headers,
                forwarded_allow_ips="127.0.0.1" if proxy_headers else None, ssl_certfile=certfile, ssl_keyfile=keyfile)


def _say_how_to_trust(made: object, host: str, port: int) -> None:
    """Where the certificate is and how a phone comes to trust it (README, "HTTPS for phones")."""
    from hingecoach.web.tls import Certificate

    assert isinstance(made, Certificate)
    where = [n for n in made.names if n not in ("localhost", "127.0.0.1")] if host in ("0.0.0.0", "::") else [host]
    urls = ", ".join(f"https://{n}:{port}/" for n in where[:4]) or f"https://{host}:{port}/"
    typer.echo(f"HTTPS with {'a new self-signed' if made.made else 'the'} certificate {made.cert}")
    typer.echo(f"  SHA-256 fingerprint {made.fingerprint_sha256}")
    if made.names:
        typer.echo(f"  open {urls} on the phone; accept the warning once after checking the fingerprint,")
        typer.echo(f"  or install {made.cert} on the phone as a trusted certificate (README: HTTPS for phones)")


def register(app: typer.Typer) -> None:
    """Add ``hinge serve`` to the ``hinge`` command line."""
    app.command("serve")(serve)
