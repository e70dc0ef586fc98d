"""Opens and verifies a rekam packet from protocol/SPEC.md alone, with standard libraries.

An independent implementation of the registry side, used in CI to show that the specification is
complete: HPKE from `pyhpke`, Ed25519/ECDSA/X25519 key handling from `cryptography`, SHA-256 from
hashlib. Prints one JSON object describing the verified packet; exits 1 with the reason otherwise.

usage: open_packet.py PACKET REGISTRY_KEY_PEM TRUST_FILE [TRUST_FILE ...]
"""

import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

INFO = b"rekam packet v1"
SIGNATURE_CONTEXT = b"rekam-packet-v1 manifest\x00"


class Reject(Exception):
    pass


def key_id(raw):
    return hashlib.sha256(raw).digest()[:16].hex()


def take(buf, at, n, what):
    if at + n > len(buf):
        raise Reject(f"truncated in {what}")
    return buf[at : at + n], at + n


def load_trust(paths):
    trust = {}
    for path in paths:
        for line in open(path, encoding="utf-8"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            tag, alg, key_b64, ws = line.split()
            if tag != "rekam-workstation-v1":
                raise Reject(f"{path}: not a workstation key")
            raw = base64.b64decode(key_b64, validate=True)
            trust[key_id(raw)] = (alg, raw, ws)
    return trust


def verify(alg, raw, signature, message):
    try:
        if alg == "ed25519":
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
        elif alg == "ecdsa-p256-sha256":
            pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
            pub.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        else:
            raise Reject(f"unknown algorithm {alg}")
    except InvalidSignature:
        raise Reject("bad signature")


def open_packet(data, registry_pem, trust):
    at = 0
    magic, at = take(data, at, 4, "magic")
    if magic != b"RKMP":
        raise Reject("not a rekam packet")
    (version,), at = struct.unpack(">B", data[at : at + 1]), at + 1
    if version != 1:
        raise Reject(f"unsupported version {version}")
    suite, at = take(data, at, 6, "suite")
    if struct.unpack(">HHH", suite) != (0x0020, 0x0001, 0x0002):
        raise Reject("unsupported HPKE suite")
    enrollment_id, at = take(data, at, 16, "enrollment id")
    registry_key_id, at = take(data, at, 16, "registry key id")
    ws_len, at = take(data, at, 1, "workstation id length")
    ws, at = take(data, at, ws_len[0], "workstation id")
    enc, at = take(data, at, 32, "enc")
    ct_len_bytes, at = take(data, at, 4, "ciphertext length")
    (ct_len,) = struct.unpack(">I", ct_len_bytes)
    aad = data[:at]
    ciphertext, at = take(data, at, ct_len, "ciphertext")
    if at != len(data):
        raise Reject("trailing bytes")

    sk = serialization.load_pem_private_key(registry_pem, password=None)
    if not isinstance(sk, x25519.X25519PrivateKey):
        raise Reject("registry key is not X25519")
    sk_raw = sk.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pk_raw = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if key_id(pk_raw) != registry_key_id.hex():
        raise Reject("sealed to another key")
    suite = CipherSuite.new(KEMId.DHKEM_X25519_HKDF_SHA256, KDFId.HKDF_SHA256, AEADId.AES256_GCM)
    ctx = suite.create_recipient_context(enc, suite.kem.deserialize_private_key(sk_raw), info=INFO)
    try:
        plain = ctx.open(ciphertext, aad=aad)
    except Exception:
        raise Reject("ciphertext altered")

    at = 0
    m_len, at = take(plain, at, 4, "manifest length")
    manifest_bytes, at = take(plain, at, struct.unpack(">I", m_len)[0], "manifest")
    s_len, at = take(plain, at, 2, "signature length")
    signature, at = take(plain, at, struct.unpack(">H", s_len)[0], "signature")
    manifest = json.loads(manifest_bytes)
    if json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode() != manifest_bytes:
        raise Reject("manifest not canonical")
    if manifest["format"] != "rekam-packet" or manifest["version"] != 1:
        raise Reject("unsupported manifest")
    if manifest["enrollment_id"].replace("-", "") != enrollment_id.hex() or manifest["workstation_id"] != ws.decode():
        raise Reject("header and manifest disagree")
    entry = trust.get(manifest["signer"]["key_id"])
    if entry is None or entry[2] != manifest["workstation_id"]:
        raise Reject("unknown workstation")
    alg, raw, _ = entry
    if alg != manifest["signer"]["algorithm"]:
        raise Reject("bad signature")
    verify(alg, raw, signature, SIGNATURE_CONTEXT + manifest_bytes)
    parts = {}
    for part in manifest["parts"]:
        blob, at = take(plain, at, part["length"], part["name"])
        if hashlib.sha256(blob).hexdigest() != part["sha256"]:
            raise Reject(f"part hash mismatch: {part['name']}")
        parts[part["name"]] = blob
    if at != len(plain):
        raise Reject("bytes after the last part")
    document = json.loads(parts["enrollment.json"])
    return {
        "packet_id": hashlib.sha256(data).hexdigest(),
        "enrollment_id": manifest["enrollment_id"],
        "workstation_id": manifest["workstation_id"],
        "signer_algorithm": alg,
        "nik": document["applicant"]["nik"],
        "parts": [p["name"] for p in manifest["parts"]],
        "face_bytes": len(parts[document["biometrics"]["face"]["image"]["data"]]),
    }


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    data = open(sys.argv[1], "rb").read()
    registry_pem = open(sys.argv[2], "rb").read()
    try:
        result = open_packet(data, registry_pem, load_trust(sys.argv[3:]))
    except Reject as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
