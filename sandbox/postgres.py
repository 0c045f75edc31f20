"""A throwaway PostgreSQL server on loopback, for the tests (tests/conftest.py), the benchmarks and CI (.ci/run).

    python3 -m sandbox.postgres start DIR    # initdb + pg_ctl start with DIR as its home; prints the DSN
    python3 -m sandbox.postgres stop DIR     # stops it (DIR is the caller's to remove)
    python3 -m sandbox.postgres binaries     # exit 1 when no server binaries are installed

Standard library only, so .ci/run can use it before the virtualenv exists. initdb refuses to run as root, so as
root the server runs as an unprivileged user (`postgres` when Debian's package created it, else `nobody`) that is
given DIR. Durability settings are off: the data is thrown away.
"""
from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

USER = "spacedoc"  # the server's superuser; loopback connections are trusted
DATABASE = "postgres"
SERVER_OPTIONS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c max_connections=300")


def binaries() -> Path | None:
    """The directory with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else the one on PATH."""
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                    key=lambda path: [int(n) for n in re.findall(r"\d+", path)])
    if debian:
        return Path(debian[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path and shutil.which("initdb") else None


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: None for the current user, an unprivileged account when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


def _run(args: list[str], home: Path) -> None:
    user = _server_user()
    identity = {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    done = subprocess.run(args, cwd=home, capture_output=True, text=True, **identity)
    if done.returncode != 0:
        log = home / "server.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(home: Path) -> str:
    """Create a cluster in `home` (an empty directory), start it on a free loopback port; returns its DSN."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")
    user = _server_user()
    if user is not None:
        os.chown(home, user.pw_uid, user.pw_gid)
    port = _free_port()
    _run([str(bin_dir / "initdb"), "-D", str(home / "data"), "-U", USER, "-A", "trust", "-E", "UTF8",
          "--no-locale", "--no-sync"], home)
    # -k: the Unix socket goes into `home`, since the default directory is not writable by this user.
    _run([str(bin_dir / "pg_ctl"), "start", "-D", str(home / "data"), "-l", str(home / "server.log"), "-w",
          "-t", "60", "-o", f"{SERVER_OPTIONS} -p {port} -k {home}"], home)
    return f"postgresql://{USER}@127.0.0.1:{port}/{DATABASE}"


def stop(home: Path) -> None:
    bin_dir = binaries()
    if bin_dir is not None and (home / "data" / "postmaster.pid").exists():
        _run([str(bin_dir / "pg_ctl"), "stop", "-D", str(home / "data"), "-m", "immediate", "-w"], home)


def main(argv: list[str]) -> int:
    if argv == ["binaries"]:
        return 0 if binaries() is not None else 1
    if len(argv) == 2 and argv[0] in ("start", "stop"):
        home = Path(argv[1]).resolve()
        if argv[0] == "start":
            print(start(home))
        else:
            stop(home)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
