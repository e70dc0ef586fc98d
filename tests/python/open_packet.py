"""Opens and verifies a rekam packet from protocol/SPEC.md alone, with standard libraries.

An independent implementation of the registry side, used in CI to show that the specification is
complete: HPKE from `pyhpke`, Ed25519/ECDSA/X25519 key handling from `cryptography`, SHA-256 from
hashlib. It checks everything SPEC.md §8 lists, including every rule of the enrollment document
(§7), written from the spec's tables rather than from rekam's code.

usage: open_packet.py PACKET REGISTRY_KEY_PEM TRUST_FILE [TRUST_FILE ...]
         prints one JSON object describing the verified packet; exits 1 with the reason otherwise.
       open_packet.py --each REGISTRY_KEY_PEM TRUST_FILE PACKET [PACKET ...]
         opens every packet and prints one JSON line per packet: {"file", "ok", "reason",
         "category"}, the category being §8's in snake case (`invalid_enrollment`...).
"""

import base64
import hashlib
import json
import re
import struct
import sys
import unicodedata

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyhpke import AEADId, CipherSuite, KDFId, KEMId

INFO = b"rekam packet v1"
SIGNATURE_CONTEXT = b"rekam-packet-v1 manifest\x00"
ENROLLMENT_PART = "enrollment.json"
ENROLLMENT_TYPE = "application/vnd.rekam.enrollment+json"
EXT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "wsq": "image/x-wsq"}
ENCODING_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "wsq": "image/x-wsq"}
ENCODING_EXT = {"png": "png", "jpeg": "jpg", "wsq": "wsq"}


class Reject(Exception):
    pass


CATEGORIES = [
    ("unsupported version", "unsupported_version"),
    ("sealed to another key", "sealed_to_another_key"),
    ("ciphertext altered", "ciphertext_altered"),
    ("unknown workstation", "unknown_workstation"),
    ("bad signature", "bad_signature"),
    ("part hash mismatch", "part_hash_mismatch"),
    ("invalid enrollment", "invalid_enrollment"),
]


def category(reason):
    """The §8 category of a rejection, from the start of its reason; everything else is
    malformed."""
    for prefix, name in CATEGORIES:
        if reason.startswith(prefix):
            return name
    return "malformed"


class Invalid(Reject):
    """A rule of the enrollment document (§7) is broken: "invalid enrollment"."""

    def __init__(self, field, problem):
        super().__init__(f"invalid enrollment: {field}: {problem}")


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


# ---------------------------------------------------------------------------------------------
# Strict JSON (§7 "JSON"): UTF-8, no duplicate members, no NaN/Infinity, no lone surrogates.


class BadJson(Exception):
    pass


def _pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise BadJson(f"duplicate member {k!r}")
        out[k] = v
    return out


def _constant(name):
    raise BadJson(f"{name} is not JSON")


def _float(text):
    v = float(text)
    if v != v or v in (float("inf"), float("-inf")):
        raise BadJson(f"number {text} is out of range")
    return v


def _no_surrogates(v):
    if isinstance(v, str):
        if any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            raise BadJson("lone surrogate in a string")
    elif isinstance(v, list):
        for x in v:
            _no_surrogates(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            _no_surrogates(k)
            _no_surrogates(x)


def _int(text):
    # JSON's -0 is the number zero with a sign: a float, as rekam's parser reads it, so it is not
    # an integer member's value.
    return -0.0 if text == "-0" else int(text)


def strict_json(data):
    try:
        text = data.decode("utf-8")
        v = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float, parse_int=_int)
        _no_surrogates(v)
        return v
    except (UnicodeDecodeError, ValueError, BadJson, RecursionError) as e:
        raise BadJson(str(e))


# ---------------------------------------------------------------------------------------------
# Value types of §7.

MISSING = object()


def members(obj, field, required, optional=()):
    """The object's members; unknown ones and missing required ones are errors. An optional
    member that is null counts as absent."""
    if not isinstance(obj, dict):
        raise Invalid(field, "is not an object")
    for k in obj:
        if k not in required and k not in optional:
            raise Invalid(field, f"unknown member {k!r}")
    out = {}
    for k in required:
        if k not in obj:
            raise Invalid(field, f"missing member {k!r}")
        out[k] = obj[k]
    for k in optional:
        v = obj.get(k, MISSING)
        out[k] = None if v is MISSING else v
    return out


def integer(v, field, lo, hi):
    if type(v) is not int or not lo <= v <= hi:
        raise Invalid(field, f"{v!r} is not an integer {lo}-{hi}")
    return v


U8, U16, U32, U64 = 2**8 - 1, 2**16 - 1, 2**32 - 1, 2**64 - 1


def number(v, field):
    if type(v) not in (int, float):
        raise Invalid(field, "is not a number")
    try:
        return float(v)
    except OverflowError:
        raise Invalid(field, "is out of range")


def single(v, field):
    """A number held as an IEEE 754 single: rounded to nearest; too large becomes infinite."""
    x = number(v, field)
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return float("inf")


def boolean(v, field):
    if type(v) is not bool:
        raise Invalid(field, "is not true or false")
    return v


def string(v, field):
    if not isinstance(v, str):
        raise Invalid(field, "is not a string")
    return v


def one_of(v, field, allowed):
    if not isinstance(v, str) or v not in allowed:
        raise Invalid(field, f"{v!r} is not one of {sorted(allowed)}")
    return v


IDENTIFIER = re.compile(r"[A-Za-z0-9._-]{1,64}")


def identifier(v, field):
    string(v, field)
    if not IDENTIFIER.fullmatch(v):
        raise Invalid(field, f"{v!r} is not 1-64 of A-Z a-z 0-9 . _ -")
    return v


INVISIBLE = [(0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x2069), (0xFEFF, 0xFEFF)]
# Unicode White_Space, for "blank".
WHITE_SPACE = set(range(0x09, 0x0E)) | {0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}
WHITE_SPACE |= set(range(0x2000, 0x200B))


def forbidden(c):
    o = ord(c)
    return unicodedata.category(c) == "Cc" or any(a <= o <= b for a, b in INVISIBLE)


def text(v, field, required=True):
    string(v, field)
    if required and all(ord(c) in WHITE_SPACE for c in v):
        raise Invalid(field, "must not be blank")
    if len(v.encode("utf-8")) > 256:
        raise Invalid(field, "longer than 256 bytes")
    if any(forbidden(c) for c in v):
        raise Invalid(field, "holds a control or invisible character")
    return v


def letter(c):
    # Unicode Alphabetic; Python exposes general categories only, so this is L* and Nl (Other_
    # Alphabetic marks are not covered; names in Latin script never need them).
    return c.isalpha() or unicodedata.category(c) == "Nl"


def name(v, field):
    string(v, field)
    if all(ord(c) in WHITE_SPACE for c in v):
        raise Invalid(field, "must not be blank")
    if len(v) > 100:
        raise Invalid(field, "over 100 characters")
    for c in v:
        if not (letter(c) or 0x300 <= ord(c) <= 0x36F or c in " '\u2019.,-"):
            raise Invalid(field, f"character {c!r} is not allowed")
    if not letter(v[0]):
        raise Invalid(field, "must begin with a letter")
    if v.endswith(" ") or "  " in v:
        raise Invalid(field, "ends with a space or holds two in a row")
    return v


def leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def month_days(y, m):
    return [31, 29 if leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
INSTANT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z")


def date(v, field):
    string(v, field)
    m = DATE.fullmatch(v) if v.isascii() else None
    if not m:
        raise Invalid(field, f"{v!r} is not YYYY-MM-DD")
    y, mo, d = map(int, m.groups())
    if not 1 <= mo <= 12 or not 1 <= d <= month_days(y, mo):
        raise Invalid(field, f"{v!r} is not a calendar date")
    return (y, mo, d)


def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def instant(v, field):
    """Milliseconds since the Unix epoch of a `YYYY-MM-DDThh:mm:ss.sssZ` time."""
    string(v, field)
    m = INSTANT.fullmatch(v) if v.isascii() else None
    if not m:
        raise Invalid(field, f"{v!r} is not YYYY-MM-DDThh:mm:ss.sssZ")
    y, mo, d, h, mi, s, ms = map(int, m.groups())
    if not 1 <= mo <= 12 or not 1 <= d <= month_days(y, mo) or h > 23 or mi > 59 or s > 59:
        raise Invalid(field, f"{v!r} is not a time")
    return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms


UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def uuid7(v, field):
    string(v, field)
    if not UUID7.fullmatch(v):
        raise Invalid(field, f"{v!r} is not a lowercase hyphenated version 7 UUID")
    return v


PROVINCES = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53}
PROVINCES |= {61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}


def nik(v, dob, sex, field):
    string(v, field)
    if len(v) != 16 or not all("0" <= c <= "9" for c in v):
        raise Invalid(field, "is not 16 digits")
    pair = lambda i: int(v[i : i + 2])
    if pair(0) not in PROVINCES or pair(2) == 0 or pair(4) == 0:
        raise Invalid(field, "bad province, regency or district code")
    raw_day, month, yy = pair(6), pair(8), pair(10)
    if not (1 <= raw_day <= 31 or 41 <= raw_day <= 71) or not 1 <= month <= 12:
        raise Invalid(field, "bad birth day or month")
    day = raw_day - 40 if raw_day > 40 else raw_day
    if day > month_days(2000, month):
        raise Invalid(field, "no such birth date")
    if v[12:] == "0000":
        raise Invalid(field, "serial 0000")
    if (day, month, yy) != (dob[2], dob[1], dob[0] % 100):
        raise Invalid(field, "disagrees with date_of_birth")
    if ("female" if raw_day > 40 else "male") != sex:
        raise Invalid(field, "disagrees with sex")


def user_assigned(code):
    return code.startswith("AA") or (code[0] == "Q" and code[1] >= "M") or code[0] == "X" or code.startswith("ZZ")


# ---------------------------------------------------------------------------------------------
# The enrollment document (§7).

BLOOD = {"A", "B", "AB", "O", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "unknown"}
RELIGIONS = {"islam", "kristen", "katolik", "hindu", "buddha", "khonghucu", "kepercayaan"}
MARITAL = {"belum_kawin", "kawin", "cerai_hidup", "cerai_mati"}


def applicant(v):
    f = "applicant"
    a = members(v, f, ["nik", "full_name", "place_of_birth", "date_of_birth", "sex", "blood_type",
                       "address", "religion", "marital_status", "occupation", "citizenship"])
    dob = date(a["date_of_birth"], f"{f}.date_of_birth")
    sex = one_of(a["sex"], f"{f}.sex", {"male", "female"})
    one_of(a["blood_type"], f"{f}.blood_type", BLOOD)
    one_of(a["religion"], f"{f}.religion", RELIGIONS)
    one_of(a["marital_status"], f"{f}.marital_status", MARITAL)
    nik(a["nik"], dob, sex, f"{f}.nik")
    name(a["full_name"], f"{f}.full_name")
    text(a["place_of_birth"], f"{f}.place_of_birth")
    text(a["occupation"], f"{f}.occupation")
    ad = members(a["address"], f"{f}.address",
                 ["street", "rt", "rw", "village", "district", "regency", "province"], ["postal_code"])
    for k in ["street", "village", "district", "regency", "province"]:
        text(ad[k], f"{f}.address.{k}")
    for k in ["rt", "rw"]:
        integer(ad[k], f"{f}.address.{k}", 0, U16)
        integer(ad[k], f"{f}.address.{k}", 1, 999)
    if ad["postal_code"] is not None:
        pc = string(ad["postal_code"], f"{f}.address.postal_code")
        if len(pc) != 5 or not all("0" <= c <= "9" for c in pc):
            raise Invalid(f"{f}.address.postal_code", "is not 5 digits")
    c = a["citizenship"]
    kind = one_of(c.get("kind") if isinstance(c, dict) else None, f"{f}.citizenship.kind", {"wni", "wna"})
    if kind == "wni":
        members(c, f"{f}.citizenship", ["kind"])
    else:
        country = string(members(c, f"{f}.citizenship", ["kind", "country"])["country"], f"{f}.citizenship.country")
        if len(country) != 3 or not all("A" <= ch <= "Z" for ch in country) or country == "IDN" or user_assigned(country):
            raise Invalid(f"{f}.citizenship.country", "is not a foreign ISO 3166-1 alpha-3 code")


APPROVAL = re.compile(r"forced_face|forced_iris_left|forced_iris_right|(forced|exception)_finger_([1-9]|10)")


def context(v, ids):
    f = "context"
    c = members(v, f, ["workstation_id", "site_code", "operator_id", "unit", "started_at", "finished_at"],
                ["position", "audit_head", "supervisor_approval"])
    for k in ["workstation_id", "site_code", "operator_id"]:
        identifier(c[k], f"{f}.{k}")
    u = c["unit"]
    kind = one_of(u.get("kind") if isinstance(u, dict) else None, f"{f}.unit.kind", {"office", "mobile"})
    if kind == "office":
        members(u, f"{f}.unit", ["kind"])
    else:
        u = members(u, f"{f}.unit", ["kind", "unit_id", "location"])
        identifier(u["unit_id"], f"{f}.unit.unit_id")
        text(u["location"], f"{f}.unit.location")
    started = instant(c["started_at"], f"{f}.started_at")
    finished = instant(c["finished_at"], f"{f}.finished_at")
    if c["position"] is not None:
        p = members(c["position"], f"{f}.position", ["latitude", "longitude"], ["accuracy_m"])
        if not -90 <= number(p["latitude"], f"{f}.position.latitude") <= 90:
            raise Invalid(f"{f}.position.latitude", "not within -90..90")
        if not -180 <= number(p["longitude"], f"{f}.position.longitude") <= 180:
            raise Invalid(f"{f}.position.longitude", "not within -180..180")
        if p["accuracy_m"] is not None:
            acc = single(p["accuracy_m"], f"{f}.position.accuracy_m")
            if acc == float("inf") or acc < 0:
                raise Invalid(f"{f}.position.accuracy_m", "not a non-negative single-precision number")
    if finished < started:
        raise Invalid(f"{f}.finished_at", "is before started_at")
    if c["audit_head"] is not None:
        h = members(c["audit_head"], f"{f}.audit_head", ["seq", "hash"])
        integer(h["seq"], f"{f}.audit_head.seq", 0, U64)
        if not re.fullmatch(r"[0-9a-f]{64}", string(h["hash"], f"{f}.audit_head.hash")):
            raise Invalid(f"{f}.audit_head.hash", "is not 64 lowercase hex digits")
    if c["supervisor_approval"] is not None:
        s = members(c["supervisor_approval"], f"{f}.supervisor_approval", ["supervisor_id", "approved_at", "reasons"])
        approved = instant(s["approved_at"], f"{f}.supervisor_approval.approved_at")
        reasons = s["reasons"]
        if not isinstance(reasons, list):
            raise Invalid(f"{f}.supervisor_approval.reasons", "is not an array")
        for r in reasons:
            string(r, f"{f}.supervisor_approval.reasons")
        identifier(s["supervisor_id"], f"{f}.supervisor_approval.supervisor_id")
        if not reasons:
            raise Invalid(f"{f}.supervisor_approval.reasons", "is empty")
        for r in reasons:
            if not APPROVAL.fullmatch(r):
                raise Invalid(f"{f}.supervisor_approval.reasons", f"{r!r} is not a reason code")
        if not started <= approved <= finished:
            raise Invalid(f"{f}.supervisor_approval.approved_at", "not between started_at and finished_at")
    ids["workstation_id"] = c["workstation_id"]


def image(v, field, encodings, gray=False, ppi_required=False):
    i = members(v, field, ["encoding", "pixels", "width", "height", "data"], ["ppi"])
    enc = one_of(i["encoding"], f"{field}.encoding", {"png", "jpeg", "wsq"})
    pixels = one_of(i["pixels"], f"{field}.pixels", {"gray8", "rgb8"})
    w = integer(i["width"], f"{field}.width", 0, U32)
    h = integer(i["height"], f"{field}.height", 0, U32)
    if i["ppi"] is not None:
        integer(i["ppi"], f"{field}.ppi", 0, U16)
    string(i["data"], f"{field}.data")
    if enc not in encodings:
        raise Invalid(f"{field}.encoding", f"{enc} is not allowed here")
    if gray and pixels != "gray8":
        raise Invalid(f"{field}.pixels", "must be gray8")
    if not 1 <= w <= 16384 or not 1 <= h <= 16384:
        raise Invalid(field, "size not within 1..16384")
    if i["ppi"] == 0:
        raise Invalid(f"{field}.ppi", "must be positive")
    if ppi_required and i["ppi"] is None:
        raise Invalid(f"{field}.ppi", "is required")
    return i


def quality(v, field):
    q = members(v, field, ["score", "algorithm"])
    integer(q["score"], f"{field}.score", 0, U8)
    identifier(q["algorithm"], f"{field}.algorithm")
    integer(q["score"], f"{field}.score", 0, 100)


def device(v, field):
    d = members(v, field, ["vendor", "model", "serial"], ["firmware"])
    for k in ["vendor", "model", "serial"]:
        text(d[k], f"{field}.{k}")
    if d["firmware"] is not None:
        text(d["firmware"], f"{field}.firmware", required=False)


def attempts(v, field):
    integer(v, field, 0, U8)
    integer(v, field, 1, U8)


def biometrics(v, images):
    """Checks the biometrics and lists every image as (expected part name, image) in §5 order."""
    f = "biometrics"
    b = members(v, f, ["fingers", "face", "signature", "chip_fingers"], ["irises"])
    fingers = b["fingers"]
    if not isinstance(fingers, list):
        raise Invalid(f"{f}.fingers", "is not an array")
    captured = set()
    entries = []
    for i, entry in enumerate(fingers):
        base = f"{f}.fingers[{i}]"
        e = members(entry, base, ["position", "record"])
        pos = integer(e["position"], f"{base}.position", 1, 10)
        rec = e["record"]
        if not isinstance(rec, dict) or len(rec) != 1 or next(iter(rec)) not in ("captured", "exception"):
            raise Invalid(f"{base}.record", "is not {\"captured\": ...} or {\"exception\": ...}")
        entries.append((pos, rec))
    if len(fingers) != 10:
        raise Invalid(f"{f}.fingers", "must hold all ten positions")
    for i, (pos, rec) in enumerate(entries):
        base = f"{f}.fingers[{i}]"
        if pos != i + 1:
            raise Invalid(f"{base}.position", "positions 1-10 in order")
        if "captured" in rec:
            cb = f"{base}.record.captured"
            c = members(rec["captured"], cb, ["image", "quality", "impression", "device", "attempts", "forced"])
            img = image(c["image"], f"{cb}.image", {"png", "wsq"}, gray=True, ppi_required=True)
            quality(c["quality"], f"{cb}.quality")
            one_of(c["impression"], f"{cb}.impression", {"plain", "rolled", "slap_segment"})
            device(c["device"], f"{cb}.device")
            attempts(c["attempts"], f"{cb}.attempts")
            boolean(c["forced"], f"{cb}.forced")
            captured.add(pos)
            images.append((f"finger-{pos:02}.{ENCODING_EXT[img['encoding']]}", img))
        else:
            xb = f"{base}.record.exception"
            x = members(rec["exception"], xb, ["reason"], ["photo", "note"])
            one_of(x["reason"], f"{xb}.reason", {"amputated", "bandaged", "unable_to_print"})
            if x["photo"] is not None:
                img = image(x["photo"], f"{xb}.photo", {"jpeg", "png"})
                images.append((f"finger-{pos:02}-exception.{ENCODING_EXT[img['encoding']]}", img))
            if x["note"] is not None:
                text(x["note"], f"{xb}.note", required=False)
    fb = f"{f}.face"
    face = members(b["face"], fb, ["image", "quality", "device", "approved_by_resident", "attempts", "forced"])
    img = image(face["image"], f"{fb}.image", {"jpeg", "png"})
    images.append((f"face.{ENCODING_EXT[img['encoding']]}", img))
    quality(face["quality"], f"{fb}.quality")
    device(face["device"], f"{fb}.device")
    attempts(face["attempts"], f"{fb}.attempts")
    boolean(face["forced"], f"{fb}.forced")
    if not boolean(face["approved_by_resident"], f"{fb}.approved_by_resident"):
        raise Invalid(f"{fb}.approved_by_resident", "the resident must approve the photo")
    sb = f"{f}.signature"
    sig = members(b["signature"], sb, ["image", "device"], ["pen"])
    img = image(sig["image"], f"{sb}.image", {"png"})
    images.append((f"signature.{ENCODING_EXT[img['encoding']]}", img))
    device(sig["device"], f"{sb}.device")
    if sig["pen"] is not None:
        pen = members(sig["pen"], f"{sb}.pen", ["max_x", "max_y", "max_pressure", "samples"])
        mx, my, mp = (integer(pen[k], f"{sb}.pen.{k}", 0, U16) for k in ["max_x", "max_y", "max_pressure"])
        samples = pen["samples"]
        if not isinstance(samples, list):
            raise Invalid(f"{sb}.pen.samples", "is not an array")
        last = 0
        for i, s in enumerate(samples):
            sf = f"{sb}.pen.samples[{i}]"
            if not isinstance(s, list) or len(s) != 4:
                raise Invalid(sf, "is not [t_ms, x, y, pressure]")
            t = integer(s[0], sf, 0, U32)
            x, y, p = (integer(n, sf, 0, U16) for n in s[1:])
            if t < last:
                raise Invalid(sf, "time goes backwards")
            last = t
            if x > mx or y > my or p > mp:
                raise Invalid(sf, "outside the pad's declared range")
    irises = b["irises"]
    if irises is None and "irises" in v:
        raise Invalid(f"{f}.irises", "is null")
    ir = members(irises if irises is not None else {}, f"{f}.irises", [], ["left", "right"])
    for side in ["left", "right"]:
        if ir[side] is not None:
            ib = f"{f}.irises.{side}"
            iris = members(ir[side], ib, ["image", "quality", "device"])
            img = image(iris["image"], f"{ib}.image", {"png"}, gray=True)
            images.append((f"iris-{side}.{ENCODING_EXT[img['encoding']]}", img))
            quality(iris["quality"], f"{ib}.quality")
            device(iris["device"], f"{ib}.device")
    chips = b["chip_fingers"]
    if not isinstance(chips, list) or len(chips) != 2:
        raise Invalid(f"{f}.chip_fingers", "is not two positions")
    a, c = (integer(p, f"{f}.chip_fingers", 1, 10) for p in chips)
    if a == c:
        raise Invalid(f"{f}.chip_fingers", "the two chip fingers must differ")
    for p in (a, c):
        if p not in captured:
            raise Invalid(f"{f}.chip_fingers", f"finger {p} was not captured")


def enrollment(doc):
    """Every rule of §7 that needs no image bytes; returns the document's id, workstation id and
    images as (expected part name, image) in §5 order."""
    if not isinstance(doc, dict):
        raise Invalid("enrollment.json", "is not an object")
    d = members(doc, "enrollment", ["id", "applicant", "context", "biometrics"])
    uuid7(d["id"], "id")
    ids = {}
    applicant(d["applicant"])
    context(d["context"], ids)
    images = []
    biometrics(d["biometrics"], images)
    return d["id"], ids["workstation_id"], images


# ---------------------------------------------------------------------------------------------
# Image headers (§7 "image headers").


def be16(b, at):
    if at + 2 > len(b):
        raise ValueError("truncated")
    return (b[at] << 8) | b[at + 1]


def png_size(b):
    if len(b) < 33 or b[:8] != b"\x89PNG\r\n\x1a\n" or b[8:12] != b"\0\0\0\x0d" or b[12:16] != b"IHDR":
        raise ValueError("not a PNG starting with IHDR")
    return struct.unpack(">II", b[16:24])


def jpeg_size(b):
    if len(b) < 4 or b[0] != 0xFF or b[1] != 0xD8:
        raise ValueError("no SOI")
    at = 2
    while True:
        if at >= len(b) or b[at] != 0xFF:
            raise ValueError("marker expected")
        if at + 1 >= len(b):
            raise ValueError("ends before a frame header")
        m = b[at + 1]
        if m == 0xFF:
            at += 1
        elif 0xD0 <= m <= 0xD7 or m == 0x01:
            at += 2
        elif 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
            h, w = be16(b, at + 5), be16(b, at + 7)
            return w, h
        elif m in (0xD9, 0xDA):
            raise ValueError("no frame header before the scan")
        else:
            n = be16(b, at + 2)
            if n < 2:
                raise ValueError("segment length below 2")
            at += 2 + n


def wsq_size(b):
    if len(b) < 2 or b[0] != 0xFF or b[1] != 0xA0:
        raise ValueError("no SOI")
    at = 2
    while True:
        if at >= len(b) or b[at] != 0xFF:
            raise ValueError("marker expected")
        if at + 1 >= len(b):
            raise ValueError("ends before a frame header")
        m = b[at + 1]
        if m == 0xA2:
            h, w = be16(b, at + 6), be16(b, at + 8)
            return w, h
        if 0xA4 <= m <= 0xA8:
            n = be16(b, at + 2)
            if n < 2:
                raise ValueError("segment length below 2")
            at += 2 + n
        else:
            raise ValueError("no frame header before other data")


SIZE_READERS = {"png": png_size, "jpeg": jpeg_size, "wsq": wsq_size}


# ---------------------------------------------------------------------------------------------
# Manifest (§5).

PART_NAME = re.compile(r"[a-z0-9.-]{1,64}")
PLACE = re.compile(r"(?:finger-(0[1-9]|10)(?:-exception)?|face|signature|iris-left|iris-right)\.(png|jpg|wsq)")
FIXED_PLACES = {"face": 11, "signature": 12, "iris-left": 13, "iris-right": 14}


def place(part_name):
    m = PLACE.fullmatch(part_name)
    if not m:
        raise Reject(f"malformed: part name {part_name!r} is not an image's place")
    stem = part_name.rsplit(".", 1)[0]
    return (int(m.group(1)) if m.group(1) else FIXED_PLACES[stem]), EXT_TYPES[m.group(2)]


def check_manifest(m):
    def bad(why):
        raise Reject(f"malformed: manifest {why}")

    if not isinstance(m, dict) or not isinstance(m.get("format"), str):
        bad("is not an object with a format")
    if m["format"] != "rekam-packet":
        bad("format")
    if type(m.get("version")) is not int or not 0 <= m["version"] <= U32:
        bad("version")
    if m["version"] != 1:
        raise Reject(f"unsupported version: manifest version {m['version']}")
    if list(m) != ["format", "version", "enrollment_id", "workstation_id", "created_at", "signer", "parts"]:
        bad("members")
    try:
        uuid7(m["enrollment_id"], "enrollment_id")
        identifier(m["workstation_id"], "workstation_id")
        instant(m["created_at"], "created_at")
    except Invalid as e:
        bad(str(e))
    s = m["signer"]
    if not isinstance(s, dict) or list(s) != ["algorithm", "key_id"]:
        bad("signer")
    if s["algorithm"] not in ("ed25519", "ecdsa-p256-sha256"):
        bad("signer algorithm")
    if not isinstance(s["key_id"], str) or not re.fullmatch(r"[0-9a-f]{32}", s["key_id"]):
        bad("key id")
    parts = m["parts"]
    if not isinstance(parts, list) or not 1 <= len(parts) <= 64:
        bad("must list 1-64 parts")
    for p in parts:
        if not isinstance(p, dict) or list(p) != ["name", "media_type", "length", "sha256"]:
            bad("part members")
        if not isinstance(p["name"], str) or not isinstance(p["media_type"], str):
            bad("part name or media type")
        if type(p["length"]) is not int or not 0 <= p["length"] <= U64:
            bad("part length")
        if not isinstance(p["sha256"], str) or not re.fullmatch(r"[0-9a-f]{64}", p["sha256"]):
            bad("part sha256")
    if parts[0]["name"] != ENROLLMENT_PART or parts[0]["media_type"] != ENROLLMENT_TYPE:
        bad("first part must be the enrollment document")
    names = set()
    for p in parts:
        if not PART_NAME.fullmatch(p["name"]):
            bad(f"part name {p['name']!r}")
        if p["name"] in names:
            bad(f"part {p['name']!r} listed twice")
        names.add(p["name"])
        if p["media_type"] not in (ENROLLMENT_TYPE, "image/png", "image/jpeg", "image/x-wsq"):
            bad(f"media type {p['media_type']!r}")
    last = 0
    for p in parts[1:]:
        rank, media_type = place(p["name"])
        if p["media_type"] != media_type:
            raise Reject(f"malformed: part {p['name']!r} is named for {media_type}")
        if rank <= last:
            raise Reject(f"malformed: part {p['name']!r} is out of order")
        last = rank


def open_packet(data, registry_pem, trust):
    if len(data) > 64 << 20:
        raise Reject("malformed: larger than 64 MiB")
    at = 0
    magic, at = take(data, at, 4, "magic")
    if magic != b"RKMP":
        raise Reject("not a rekam packet")
    version, at = take(data, at, 1, "version")
    if version[0] != 1:
        raise Reject(f"unsupported version {version[0]}")
    suite, at = take(data, at, 6, "suite")
    if struct.unpack(">HHH", suite) != (0x0020, 0x0001, 0x0002):
        raise Reject("unsupported HPKE suite")
    enrollment_id, at = take(data, at, 16, "enrollment id")
    if enrollment_id[6] >> 4 != 7 or enrollment_id[8] >> 6 != 2:
        raise Reject("malformed: the enrollment id is not a version 7 UUID")
    registry_key_id, at = take(data, at, 16, "registry key id")
    ws_len, at = take(data, at, 1, "workstation id length")
    ws, at = take(data, at, ws_len[0], "workstation id")
    if not IDENTIFIER.fullmatch(ws.decode("latin-1")):
        raise Reject("malformed: workstation id")
    enc, at = take(data, at, 32, "enc")
    ct_len_bytes, at = take(data, at, 4, "ciphertext length")
    (ct_len,) = struct.unpack(">I", ct_len_bytes)
    if ct_len < 16:
        raise Reject("malformed: ciphertext shorter than its tag")
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
    try:
        ctx = suite.create_recipient_context(enc, suite.kem.deserialize_private_key(sk_raw), info=INFO)
        plain = ctx.open(ciphertext, aad=aad)
    except Exception:
        raise Reject("ciphertext altered")

    at = 0
    m_len, at = take(plain, at, 4, "manifest length")
    (m_len,) = struct.unpack(">I", m_len)
    if not 1 <= m_len <= 1 << 20:
        raise Reject("malformed: manifest length")
    manifest_bytes, at = take(plain, at, m_len, "manifest")
    s_len, at = take(plain, at, 2, "signature length")
    (s_len,) = struct.unpack(">H", s_len)
    if not 1 <= s_len <= 512:
        raise Reject("malformed: signature length")
    signature, at = take(plain, at, s_len, "signature")
    try:
        manifest = strict_json(manifest_bytes)
    except BadJson as e:
        raise Reject(f"malformed: manifest is not JSON: {e}")
    check_manifest(manifest)
    if json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode() != manifest_bytes:
        raise Reject("malformed: manifest not canonical")
    if manifest["enrollment_id"].replace("-", "") != enrollment_id.hex() or manifest["workstation_id"] != ws.decode():
        raise Reject("header and manifest disagree")
    entry = trust.get(manifest["signer"]["key_id"])
    if entry is None or entry[2] != manifest["workstation_id"]:
        raise Reject("unknown workstation")
    alg, raw, _ = entry
    if alg != manifest["signer"]["algorithm"]:
        raise Reject("bad signature")
    verify(alg, raw, signature, SIGNATURE_CONTEXT + manifest_bytes)
    if sum(p["length"] for p in manifest["parts"]) != len(plain) - at:
        raise Reject("malformed: the parts do not fill the rest exactly")
    parts = {}
    for part in manifest["parts"]:
        blob, at = take(plain, at, part["length"], part["name"])
        if hashlib.sha256(blob).hexdigest() != part["sha256"]:
            raise Reject(f"part hash mismatch: {part['name']}")
        parts[part["name"]] = blob

    try:
        document = strict_json(parts[ENROLLMENT_PART])
    except BadJson as e:
        raise Reject(f"invalid enrollment: enrollment.json is not JSON: {e}")
    doc_id, doc_ws, images = enrollment(document)
    if doc_id != manifest["enrollment_id"]:
        raise Reject("invalid enrollment: the document's id differs from the manifest's")
    if doc_ws != manifest["workstation_id"]:
        raise Reject("invalid enrollment: the document's workstation differs from the manifest's")
    media = {p["name"]: p["media_type"] for p in manifest["parts"]}
    used = {ENROLLMENT_PART}
    for expected, img in images:
        if img["data"] != expected:
            raise Reject(f"invalid enrollment: the {expected} image names part {img['data']!r}")
        if expected not in parts:
            raise Reject(f"invalid enrollment: image part {expected} is not in the manifest")
        if expected in used:
            raise Reject(f"invalid enrollment: part {expected} is referenced twice")
        used.add(expected)
        if media[expected] != ENCODING_TYPES[img["encoding"]]:
            raise Reject(f"invalid enrollment: part {expected} has another media type than its encoding")
        try:
            size = SIZE_READERS[img["encoding"]](parts[expected])
        except ValueError as e:
            raise Reject(f"invalid enrollment: {expected}: {e}")
        if tuple(size) != (img["width"], img["height"]):
            raise Reject(f"invalid enrollment: {expected}: header size {size} is not the declared size")
    for p in manifest["parts"]:
        if p["name"] not in used:
            raise Reject(f"invalid enrollment: part {p['name']} is not referenced by the document")
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
    if len(sys.argv) >= 5 and sys.argv[1] == "--each":
        registry_pem = open(sys.argv[2], "rb").read()
        trust = load_trust([sys.argv[3]])
        for path in sys.argv[4:]:
            try:
                open_packet(open(path, "rb").read(), registry_pem, trust)
                print(json.dumps({"file": path, "ok": True, "reason": "", "category": ""}))
            except Reject as e:
                print(json.dumps({"file": path, "ok": False, "reason": str(e), "category": category(str(e))}))
        return 0
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
