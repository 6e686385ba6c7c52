"""Throw-away TLS certificates for tests, made at test time with the `openssl` command-line tool.

Usage:
    with tempfile.TemporaryDirectory() as directory:
        certs = make_certs(directory)
        ... certs.ca, certs.server_cert, certs.server_key, certs.client_cert, certs.client_key,
            certs.untrusted_cert, certs.untrusted_key ...

Makes, in `directory`: a CA (key + self-signed certificate); a server certificate for
CN=localhost with subjectAltName DNS:localhost, IP:127.0.0.1, signed by the CA; a client
certificate signed by the CA; and an "untrusted" client certificate signed by a second CA that the
server is not told about. EC P-256 keys (quick to make), valid for 2 days. Nothing is checked in.

Also a command: `python3 tests/support/tls_certs.py DIRECTORY` makes them there and prints
`name=path` lines (ca, server_cert, server_key, client_cert, client_key, untrusted_cert,
untrusted_key), for shell scripts (tools/resp_vs_redis.sh TLS=1).
"""

import os
import subprocess
import sys
from types import SimpleNamespace

DAYS = "2"


def _openssl(*args, directory):
    result = subprocess.run(["openssl", *args], cwd=directory, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {result.stderr.strip()}")


def _key(name, directory):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", name, directory=directory)


def _ca(name, subject, directory):
    _key(f"{name}.key", directory)
    _openssl("req", "-x509", "-new", "-key", f"{name}.key", "-sha256", "-days", DAYS,
             "-subj", subject, "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", f"{name}.crt", directory=directory)


def _leaf(name, subject, ca, extensions, directory):
    """A key and a certificate for `subject` signed by the CA named `ca`."""
    _key(f"{name}.key", directory)
    _openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr",
             directory=directory)
    with open(os.path.join(directory, f"{name}.ext"), "w") as f:
        f.write(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", DAYS, "-sha256", "-extfile", f"{name}.ext",
             "-out", f"{name}.crt", directory=directory)


def make_certs(directory):
    """Makes the certificates in `directory`; returns their paths (absolute)."""
    directory = os.path.abspath(directory)
    _ca("ca", "/CN=memkv test CA", directory)
    _ca("other_ca", "/CN=memkv untrusted test CA", directory)
    _leaf("server", "/CN=localhost", "ca",
          "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
          "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n", directory)
    client_extensions = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                         "extendedKeyUsage=clientAuth\n")
    _leaf("client", "/CN=memkv test client", "ca", client_extensions, directory)
    _leaf("untrusted", "/CN=memkv untrusted client", "other_ca", client_extensions, directory)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    return SimpleNamespace(
        directory=directory, ca=path("ca.crt"),
        server_cert=path("server.crt"), server_key=path("server.key"),
        client_cert=path("client.crt"), client_key=path("client.key"),
        untrusted_cert=path("untrusted.crt"), untrusted_key=path("untrusted.key"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tls_certs.py DIRECTORY")
    for name, value in vars(make_certs(sys.argv[1])).items():
        print(f"{name}={value}")
