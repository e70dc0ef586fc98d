"""libgphoto2 (PyPI gphoto2 wheel) against rekam's PTP/IP camera simulator.

Usage: ptpip_gphoto2_client.py ADDRESS OUTDIR
Connects to ptpip:ADDRESS, reads the summary, captures an image and downloads it, captures a
preview, and prints one JSON object with what it saw.
"""
import json
import os
import sys

import gphoto2 as gp


def main():
    address, outdir = sys.argv[1], sys.argv[2]
    ports = gp.PortInfoList()
    ports.load()
    port = ports[ports.lookup_path("ptpip:" + address)]
    abilities = gp.CameraAbilitiesList()
    abilities.load()
    model = abilities[abilities.lookup_model("PTP/IP Camera")]
    camera = gp.Camera()
    camera.set_port_info(port)
    camera.set_abilities(model)
    camera.init()
    try:
        summary = str(camera.get_summary())
        path = camera.capture(gp.GP_CAPTURE_IMAGE)
        still = camera.file_get(path.folder, path.name, gp.GP_FILE_TYPE_NORMAL)
        still_path = os.path.join(outdir, "still.jpg")
        still.save(still_path)
        preview = camera.capture_preview()
        preview_path = os.path.join(outdir, "preview.jpg")
        preview.save(preview_path)
    finally:
        camera.exit()
    print(json.dumps({
        "libgphoto2": gp.gp_library_version(gp.GP_VERSION_SHORT)[0],
        "summary": summary,
        "folder": path.folder,
        "name": path.name,
        "still": still_path,
        "still_mime": still.get_mime_type(),
        "preview": preview_path,
        "preview_mime": preview.get_mime_type(),
    }))


if __name__ == "__main__":
    main()
