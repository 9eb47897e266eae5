#!/usr/bin/env python3
"""Writes a private JWK (RFC 7517/7518) for a PEM private key, with Python's
`cryptography` package (a second implementation: the tests compare what the
crate derives from the PEM with what this script wrote).

    python3 to_jwk.py KEY.pem KID > KEY.jwk.json
"""
import base64
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def b64(n, length=None):
    length = length or max(1, (n.bit_length() + 7) // 8)
    return base64.urlsafe_b64encode(n.to_bytes(length, "big")).rstrip(b"=").decode()


key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
kid = sys.argv[2]
if isinstance(key, rsa.RSAPrivateKey):
    priv = key.private_numbers()
    pub = priv.public_numbers
    jwk = {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
           "n": b64(pub.n), "e": b64(pub.e), "d": b64(priv.d), "p": b64(priv.p),
           "q": b64(priv.q), "dp": b64(priv.dmp1), "dq": b64(priv.dmq1), "qi": b64(priv.iqmp)}
elif isinstance(key, ec.EllipticCurvePrivateKey):
    priv = key.private_numbers()
    pub = priv.public_numbers
    jwk = {"kty": "EC", "kid": kid, "crv": "P-256",
           "x": b64(pub.x, 32), "y": b64(pub.y, 32), "d": b64(priv.private_value, 32)}
else:
    raise SystemExit("unsupported key")
json.dump(jwk, sys.stdout, indent=2)
print()
