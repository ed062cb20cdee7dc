"""Run libcoveocds (the OCDS Data Review Tool's library) with the standard's schema files read from
a local folder. It is given the standard as a zip (--standard-zip), but checking a record package
also dereferences the versioned-release schema by its URL, and CI has no route to the standard's
site. Usage:
    python libcoveocds-offline.py <ocds-1.1.5 folder> <libcoveocds arguments...>
"""
import json
import pathlib
import sys

import requests

STANDARD = "https://standard.open-contracting.org/schema/1__1__5/"
folder = pathlib.Path(sys.argv.pop(1))
online = requests.get


class Local:
    def __init__(self, path):
        self.text = path.read_text(encoding="utf-8")
        self.status_code = 200

    def raise_for_status(self):
        pass

    def json(self, **kwargs):
        return json.loads(self.text, **kwargs)


def get(url, *args, **kwargs):
    if isinstance(url, str) and url.startswith(STANDARD):
        return Local(folder / url[len(STANDARD):])
    return online(url, *args, **kwargs)


requests.get = get

from libcoveocds.__main__ import main  # noqa: E402

sys.exit(main())
