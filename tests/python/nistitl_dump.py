"""Parses an ANSI/NIST-ITL transaction with the independent PyPI `nistitl` parser and prints every
record as JSON, so a test can compare it with what rekam wrote.

Each tagged record is `{"type": T, "fields": {"N": [[item, ...], ...]}}`: every field as a list of
subfields, each a list of items (text decoded as Latin-1, byte for byte, as nistitl decodes it);
the binary image field (999) as `{"sha256": hex, "len": n}`, which nistitl keeps in a BinaryField.
A binary record (Type-8) is `{"type": 8, "idc": n, "header": [SIG, SRT, ISR, HLL, VLL],
"sha256": hex, "len": n}` over the bytes after its IDC. Exits 1 with nistitl's error otherwise.

usage: nistitl_dump.py FILE
"""

import hashlib
import json
import struct
import sys

import nistitl


def digest(data):
    return {"sha256": hashlib.sha256(data).hexdigest(), "len": len(data)}


def subfields(value):
    """nistitl's value: a string, or a list of subfields that are strings or lists of items."""
    if isinstance(value, (list, tuple)):
        return [[str(i) for i in sub] if isinstance(sub, (list, tuple)) else [str(sub)]
                for sub in value]
    return [[str(value)]]


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    msg = nistitl.Message()
    try:
        msg.parse(data)
    except nistitl.NistException as e:
        print(f"nistitl refused the file: {e}", file=sys.stderr)
        sys.exit(1)
    out = []
    for record in msg:
        if isinstance(record, nistitl.BinaryRecord):
            value = record.value
            sig, srt, isr, hll, vll = struct.unpack(">BBBHH", value[:7])
            out.append({
                "type": record.type,
                "idc": int(record.IDC),
                "header": [sig, srt, isr, hll, vll],
                **digest(value[7:]),
            })
            continue
        fields = {}
        for field in record._fields:
            if isinstance(field, nistitl.BinaryField):
                fields[str(field.tag)] = digest(field.value)
            else:
                fields[str(field.tag)] = subfields(field.value)
        out.append({"type": record.type, "fields": fields})
    print(json.dumps({"nistitl": nistitl.__version__, "records": out}))


if __name__ == "__main__":
    main()
