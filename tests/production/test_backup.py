"""Backup and restore (docs/operations.md, "Backups"): a backup of the running production
deployment, taken while it serves, restores into a fresh database and an empty media
directory; the audit chain verifies and every document matches its recorded SHA-256."""

import hashlib
import json
import re
from pathlib import Path

import psycopg
import pytest

from tests.production.stack import Stack, create_database, wait_until

pytestmark = [pytest.mark.production, pytest.mark.worker, pytest.mark.backup]

DOCUMENTS = "SELECT number, version, file, sha256 FROM procurement_document ORDER BY id"
AUDIT = "SELECT count(*), max(sequence) FROM accounts_auditevent"


def rows(database_url: str, query: str) -> list[tuple]:
    with psycopg.connect(database_url) as db:
        return db.execute(query).fetchall()


@pytest.fixture
def restored(production, tmp_path):
    stack = Stack("nc_restored", None, tmp_path / "restored", production.server_url, None)
    try:
        yield stack
    finally:
        stack.destroy()


def test_a_backup_restores_into_a_fresh_database_with_every_document_intact(
    production, restored, tmp_path
):
    # The documents of seed_demo's awarded requisition, rendered by the worker.
    wait_until(
        lambda: (
            rows(
                production.database_url,
                "SELECT count(*) FROM procurement_document WHERE status <> 'done'",
            )
            == [(0,)]
        ),
        timeout=90,
        message="the worker did not render every document",
    )
    documents = rows(production.database_url, DOCUMENTS)
    assert len(documents) >= 5 and all(sha256 for *_, sha256 in documents)

    made = production.manage("backup", "--output", str(tmp_path / "backups"))
    backup_dir = Path(re.search(r"Backed up to (\S+)", made.stdout).group(1))
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert set(manifest["files"]) == {"database.dump", "media.tar.gz"}
    assert manifest["media_files"] >= len(documents)

    create_database(restored.server_url, restored.name)
    result = restored.manage("restore", str(backup_dir))
    assert "Restored the backup" in result.stdout

    # The same documents and audit trail, and each file as it was issued.
    assert rows(restored.database_url, DOCUMENTS) == documents
    assert rows(restored.database_url, AUDIT) == rows(production.database_url, AUDIT)
    for _number, _version, name, sha256 in documents:
        assert hashlib.sha256((restored.media_root / name).read_bytes()).hexdigest() == sha256
    events = rows(restored.database_url, AUDIT)[0][0]
    assert f"The audit chain is intact: {events} events." in restored.manage("audit_verify").stdout
    assert f"{len(documents)} documents and" in restored.manage("verify_documents").stdout

    # A restore never overwrites: the database is no longer empty.
    again = restored.manage("restore", str(backup_dir), check=False)
    assert again.returncode != 0 and "is not empty" in again.stderr

    # The check catches a changed file.
    changed = restored.media_root / documents[0][2]
    changed.write_bytes(changed.read_bytes() + b"%")
    caught = restored.manage("verify_documents", check=False)
    assert caught.returncode != 0
    assert f"{documents[0][2]} does not match its SHA-256" in caught.stderr
