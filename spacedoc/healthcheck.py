"""The container's health probe: `python -m spacedoc.healthcheck` exits 0 when the bot's `GET /healthz` answers
200, 1 otherwise (503, no answer, no HTTP server).

The Dockerfile's HEALTHCHECK runs it: the slim image has no curl, and this reads SPACEDOC_HTTP_PORT itself, so a
port changed at `docker run -e SPACEDOC_HTTP_PORT=…` is still the one probed. Standard library only: it starts in
a fraction of the time the bot's imports take.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

PATH = "/healthz"
TIMEOUT = 5.0


def main() -> int:
    port = os.environ.get("SPACEDOC_HTTP_PORT", "").strip()
    if not port:
        print("SPACEDOC_HTTP_PORT is not set: the bot serves no /healthz", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{port}{PATH}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            print(response.read().decode("utf-8", "replace"))
            return 0
    except urllib.error.HTTPError as refused:  # 503: the body says which part is down
        print(f"{refused.code}: {refused.read().decode('utf-8', 'replace')}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        print(f"no answer from {url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
