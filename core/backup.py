"""Backups of the database and the stored files, and their restore (docs/operations.md).

A backup is a directory holding `database.dump` (pg_dump's custom format), `media.tar.gz`
(every file under MEDIA_ROOT: issued documents and evidence) and `manifest.json` (what
was backed up, when, and each file's size and SHA-256). The database is dumped first:
files are only ever added, so every file that the dump names is in the archive taken after
it. With object storage (MEDIA_STORAGE_BACKEND) the bucket's own versioning or replication
keeps the files, and the backup holds the database only.
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection

DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    name: str
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def configured(cls) -> "Database":
        if connection.vendor != "postgresql":
            raise BackupError(
                f"Backups here use pg_dump and pg_restore: DATABASE_URL is {connection.vendor}, "
                "not PostgreSQL. A SQLite database is one file: copy it while nothing writes."
            )
        config = settings.DATABASES["default"]
        return cls(
            name=config["NAME"],
            host=config.get("HOST") or "",
            port=str(config.get("PORT") or ""),
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
        )

    def arguments(self) -> list[str]:
        arguments = [f"--dbname={self.name}"]
        if self.host:
            arguments.append(f"--host={self.host}")
        if self.port:
            arguments.append(f"--port={self.port}")
        if self.user:
            arguments.append(f"--username={self.user}")
        return arguments

    def environment(self) -> dict[str, str]:
        environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            environment["PGPASSWORD"] = self.password
        return environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    major = _major_version(_run([path, "--version"]))
    connection.ensure_connection()
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    if major < server:
        raise BackupError(
            f"{name} is version {major}, older than the PostgreSQL server ({server}): install "
            f"postgresql-client-{server} or newer."
        )
    return path


def _run(command: list[str], environment: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
    return result.stdout


def _major_version(text: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)*", text)
    if found is None:
        raise BackupError(f"Cannot read a version from {text!r}.")
    return int(found.group(1))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_on_file_system() -> bool:
    return isinstance(storages["default"], FileSystemStorage)


def backup(destination: Path) -> Path:
    """Write a new backup directory under `destination`; returns it."""
    database = Database.configured()
    pg_dump = _tool("pg_dump")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = destination / f"network-code-{stamp}"
    target.mkdir(parents=True)
    _run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={target / DATABASE_FILE}"]
        + database.arguments(),
        database.environment(),
    )
    files = {DATABASE_FILE: target / DATABASE_FILE}
    media_count = None
    if _media_on_file_system():
        media_root = Path(settings.MEDIA_ROOT)
        media_count = 0
        with tarfile.open(target / MEDIA_FILE, "w:gz") as archive:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=str(path.relative_to(media_root)))
                        media_count += 1
        files[MEDIA_FILE] = target / MEDIA_FILE
    manifest = {
        "format": 1,
        "created_at": stamp,
        "database": database.name,
        "media": "archive" if media_count is not None else "object storage (not included)",
        "media_files": media_count,
        "files": {
            name: {"bytes": path.stat().st_size, "sha256": _sha256(path)}
            for name, path in files.items()
        },
    }
    (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def restore(source: Path) -> dict:
    """Restore a backup into the configured database (which must be empty) and MEDIA_ROOT
    (which must be empty or missing). Returns the backup's manifest."""
    manifest_path = source / MANIFEST_FILE
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST_FILE}.")
    manifest = json.loads(manifest_path.read_text())
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{path} is missing or does not match its SHA-256 in the manifest.")
    database = Database.configured()
    if connection.introspection.table_names():
        raise BackupError(
            f"Database {database.name} is not empty: restore into a new database "
            "(createdb), then point DATABASE_URL at it."
        )
    media_root = Path(settings.MEDIA_ROOT)
    restore_media = MEDIA_FILE in manifest["files"]
    if restore_media:
        if not _media_on_file_system():
            raise BackupError(
                "The backup has a media archive but MEDIA_STORAGE_BACKEND is not "
                "the file system: unpack media.tar.gz into the bucket yourself."
            )
        if media_root.is_dir() and any(media_root.iterdir()):
            raise BackupError(f"MEDIA_ROOT ({media_root}) is not empty: restore into an empty one.")
    pg_restore = _tool("pg_restore")
    connection.close()
    _run(
        [pg_restore, "--no-owner", "--exit-on-error", "--single-transaction"]
        + database.arguments()
        + [str(source / DATABASE_FILE)],
        database.environment(),
    )
    if restore_media:
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / MEDIA_FILE, "r:gz") as archive:
            archive.extractall(media_root, filter="data")
    return manifest
