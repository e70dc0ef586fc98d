"""Drives the simulated R30x module with the independent PyPI client pyfingerprint.

Usage: python pyfingerprint_client.py PTY_PATH OUT_DIR
Prints one JSON object with what the client observed; exits non-zero on any failure.
"""
import json
import sys

from pyfingerprint.pyfingerprint import PyFingerprint


def wait_image(sensor, limit=50):
    for _ in range(limit):
        if sensor.readImage():
            return
    raise RuntimeError("no finger after %d polls" % limit)


def main():
    port, out_dir = sys.argv[1], sys.argv[2]
    sensor = PyFingerprint(port, 57600, 0xFFFFFFFF, 0x00000000)
    result = {"verifyPassword": sensor.verifyPassword()}
    params = sensor.getSystemParameters()
    result["getSystemParameters"] = list(params)

    wait_image(sensor)
    image_path = out_dir + "/first.png"
    sensor.downloadImage(image_path)
    result["image"] = image_path
    sensor.convertImage(0x01)
    wait_image(sensor)
    sensor.convertImage(0x02)
    result["createTemplate"] = sensor.createTemplate()
    result["stored"] = sensor.storeTemplate()
    result["templateCount"] = sensor.getTemplateCount()

    wait_image(sensor)
    sensor.convertImage(0x01)
    result["search"] = list(sensor.searchTemplate())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
