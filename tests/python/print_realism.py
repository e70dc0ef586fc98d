"""Scores synthetic fingerprint impressions with NIST's reference code (PyPI nbis-py):
NFIQ 2 quality for every image and the bozorth3 score for every pair of the images listed as
"match".

Usage: print_realism.py MANIFEST.json  (a list of {"file": path, "match": bool})
Prints JSON: {"quality": {file: score or null when NFIQ 2 cannot assess it}, "pairs": [[file_a, file_b, score], ...]}.
"""

import json
import sys

import nbis


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    settings = nbis.NbisExtractorSettings(
        min_quality=0.0,
        get_center=False,
        check_fingerprint=False,
        compute_nfiq2=True,
        ppi=500.0,
    )
    extractor = nbis.new_nbis_extractor(settings)
    without_nfiq2 = nbis.new_nbis_extractor(
        nbis.NbisExtractorSettings(
            min_quality=0.0,
            get_center=False,
            check_fingerprint=False,
            compute_nfiq2=False,
            ppi=500.0,
        )
    )
    quality = {}
    minutiae = {}
    for entry in manifest:
        with open(entry["file"], "rb") as f:
            data = f.read()
        try:
            found = extractor.extract_minutiae(data)
            quality[entry["file"]] = found.quality().score
        except nbis.NbisError.Nfiq2ComputeFailed:
            # NFIQ 2 refuses images it cannot assess (too little fingerprint): report null.
            found = without_nfiq2.extract_minutiae(data)
            quality[entry["file"]] = None
        if entry["match"]:
            minutiae[entry["file"]] = found
    names = sorted(minutiae)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            pairs.append([a, b, minutiae[a].compare(minutiae[b])])
    json.dump({"quality": quality, "pairs": pairs}, sys.stdout)


if __name__ == "__main__":
    main()
