"""HTTPS for ``hinge serve --https``: a phone's browser gives the camera only to an HTTPS page.

With a certificate and key given by path they are used as they are. Without, a self-signed
certificate is made once (``<data dir>/tls/``) for this machine's names and addresses and reused
at every start, so a phone that trusted it once keeps trusting it. README says how to trust it.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from hingecoach.errors import HingeError

#: How long a made certificate is valid (825 days: the most Apple devices accept).
VALID_DAYS = 825
CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"


@dataclass(frozen=True)
class Certificate:
    """A certificate and its key on disk; ``made``: created by this run; ``names``: whom it is for."""

    cert: Path
    key: Path
    fingerprint_sha256: str
    made: bool
    names: tuple[str, ...]


def local_addresses(extra: tuple[str, ...] = ()) -> list[str]:
    """This machine's names and IP addresses a phone on the network might use."""
    names = {"localhost", "127.0.0.1", socket.gethostname()}
    try:
        names.update(str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    except OSError:
        pass
    try:   # the address of the interface that reaches the network (no packet is sent)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            names.add(s.getsockname()[0])
    except OSError:
        pass
    names.update(h for h in extra if h and h not in ("0.0.0.0", "::"))
    return sorted(names)


def _fingerprint(cert_path: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise HingeError(f"{cert_path}: not a PEM certificate ({exc})") from None
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def given_certificate(cert: Path, key: Path) -> Certificate:
    """A certificate and key given by path, checked to exist and to be PEM."""
    for p in (cert, key):
        if not p.is_file():
            raise HingeError(f"{p}: no such file")
    if b"PRIVATE KEY" not in key.read_bytes()[:4096]:
        raise HingeError(f"{key}: not a PEM private key")
    return Certificate(cert=cert, key=key, fingerprint_sha256=_fingerprint(cert), made=False, names=())


def self_signed(folder: Path, hosts: tuple[str, ...] = ()) -> Certificate:
    """The self-signed certificate in ``folder``, made on first use for this machine's addresses."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = folder / CERT_NAME, folder / KEY_NAME
    names = tuple(local_addresses(hosts))
    if cert_path.is_file() and key_path.is_file():
        return Certificate(cert=cert_path, key=key_path, fingerprint_sha256=_fingerprint(cert_path), made=False,
                           names=names)
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"hingecoach on {socket.gethostname()}")])
    alt: list[x509.GeneralName] = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    # The key is written readable by its owner only, and in place atomically.
    tmp_key = key_path.with_suffix(".tmp")
    fd = os.open(tmp_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    tmp_cert = cert_path.with_suffix(".tmp")
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_key, key_path)
    os.replace(tmp_cert, cert_path)
    return Certificate(cert=cert_path, key=key_path, fingerprint_sha256=_fingerprint(cert_path), made=True,
                       names=names)
