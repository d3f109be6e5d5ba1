"""Throw-away TLS material for the TLS-less redirect cases (``cryptography``, no network).

``make_certs(dir)`` writes a test CA, a certificate for 127.0.0.1 signed by it, one for another
name signed by it (wrong host) and one for 127.0.0.1 signed by a CA nobody trusts. The cycle
under test runs with ``SSL_CERT_FILE=<dir>/ca.pem`` so the first one is trusted.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certs:
    ca: Path  # trusted CA bundle (SSL_CERT_FILE)
    good: tuple[Path, Path]  # (cert, key) for 127.0.0.1, signed by the trusted CA
    wrong_host: tuple[Path, Path]  # for "wrong.invalid", signed by the trusted CA
    untrusted: tuple[Path, Path]  # for 127.0.0.1, signed by an unknown CA


def _name(cn: str):  # noqa: ANN202 - cryptography types
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key():  # noqa: ANN202
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, key, issuer: str, issuer_key, *, ca: bool, san=None):  # noqa: ANN001,ANN202
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                          content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False,
                                          encipher_only=False, decipher_only=False), critical=True)
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if san is not None:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _write(directory: Path, name: str, cert, key) -> tuple[Path, Path]:  # noqa: ANN001
    from cryptography.hazmat.primitives import serialization

    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def make_certs(directory: Path) -> Certs:
    from cryptography import x509

    directory.mkdir(parents=True, exist_ok=True)
    ca_key, rogue_key = _key(), _key()
    ca = _cert("presswatch test CA", ca_key, "presswatch test CA", ca_key, ca=True)
    rogue = _cert("rogue CA", rogue_key, "rogue CA", rogue_key, ca=True)
    ip = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    k1, k2, k3 = _key(), _key(), _key()
    good = _write(directory, "good", _cert("127.0.0.1", k1, "presswatch test CA", ca_key,
                                           ca=False, san=ip), k1)
    wrong = _write(directory, "wrong", _cert("wrong.invalid", k2, "presswatch test CA", ca_key,
                                             ca=False, san=[x509.DNSName("wrong.invalid")]), k2)
    untrusted = _write(directory, "untrusted", _cert("127.0.0.1", k3, "rogue CA", rogue_key,
                                                     ca=False, san=ip), k3)
    ca_path, _ = _write(directory, "ca", ca, ca_key)
    del rogue
    return Certs(ca=ca_path, good=good, wrong_host=wrong, untrusted=untrusted)


def serve_tls(server, cert: tuple[Path, Path]) -> None:  # noqa: ANN001 - a started FixtureServer
    """Make a started FixtureServer speak HTTPS (the handshake happens in the handler thread)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    httpd = server._httpd  # noqa: SLF001 - test helper wrapping the listening socket
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
