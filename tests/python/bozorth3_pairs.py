"""Scores pairs of fingerprint images with NIST's mindtct + bozorth3 (PyPI nbis-py), for
comparing rekam's matcher with the reference on the same pairs.

Usage: bozorth3_pairs.py MANIFEST.json  (a list of [file_a, file_b] pairs of 500 ppi PNGs)
Prints JSON: a list of bozorth3 scores, one per pair, in order.
"""

import json
import sys

import nbis


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        pairs = json.load(f)
    extractor = nbis.new_nbis_extractor(
        nbis.NbisExtractorSettings(
            min_quality=0.0,
            get_center=False,
            check_fingerprint=False,
            compute_nfiq2=False,
            ppi=500.0,
        )
    )
    minutiae = {}

    def of(path):
        if path not in minutiae:
            with open(path, "rb") as f:
                minutiae[path] = extractor.extract_minutiae(f.read())
        return minutiae[path]

    json.dump([of(a).compare(of(b)) for a, b in pairs], sys.stdout)


if __name__ == "__main__":
    main()
