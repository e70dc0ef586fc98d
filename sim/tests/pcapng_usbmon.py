"""Independent reader of a usbmon pcapng capture: python-pcapng parses the blocks, this script
decodes the 64-byte usbmon header (Linux Documentation/usb/usbmon.rst) with struct and prints one
JSON document: the interfaces and every packet's decoded header and data."""

import json
import struct
import sys

from pcapng import FileScanner
from pcapng.blocks import EnhancedPacket, InterfaceDescription, SectionHeader

USBMON = struct.Struct("<QBBBBHbbqiiII8siiII")
assert USBMON.size == 64


def main(path):
    interfaces = []
    packets = []
    sections = 0
    with open(path, "rb") as f:
        for block in FileScanner(f):
            if isinstance(block, SectionHeader):
                sections += 1
            elif isinstance(block, InterfaceDescription):
                interfaces.append(
                    {
                        "link_type": block.link_type,
                        "snaplen": block.snaplen,
                        "name": block.options.get("if_name"),
                    }
                )
            elif isinstance(block, EnhancedPacket):
                raw = bytes(block.packet_data)
                (urb, kind, xfer, ep, dev, bus, flag_setup, flag_data, sec, usec, status,
                 length, len_cap, setup, interval, start_frame, xfer_flags, ndesc) = USBMON.unpack_from(raw)
                data = raw[64:]
                if len(data) != len_cap:
                    raise SystemExit("len_cap %d but %d data bytes" % (len_cap, len(data)))
                if block.packet_len != 64 + max(length, len_cap):
                    raise SystemExit("original length %d for usbmon length %d" % (block.packet_len, length))
                packets.append(
                    {
                        "interface": block.interface_id,
                        "id": urb,
                        "type": chr(kind),
                        "xfer": xfer,
                        "endpoint": ep,
                        "device": dev,
                        "bus": bus,
                        "flag_setup": flag_setup,
                        "flag_data": flag_data,
                        "ts": sec + usec / 1e6,
                        "pcapng_ts": block.timestamp,
                        "status": status,
                        "length": length,
                        "len_cap": len_cap,
                        "setup": setup.hex(),
                        "xfer_flags": xfer_flags,
                        "ndesc": ndesc,
                        "data": data.hex(),
                    }
                )
    print(json.dumps({"sections": sections, "interfaces": interfaces, "packets": packets}))


if __name__ == "__main__":
    main(sys.argv[1])
