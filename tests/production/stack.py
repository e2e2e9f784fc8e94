"""The production configuration as real processes, for the smoke test and bench/scale_out.py.

A `Stack` owns a PostgreSQL database of its own (created, then dropped), a Redis database
number of its own (flushed before and after), a working directory (static files, media,
logs) and the processes it starts: gunicorn, Celery workers and beat. Every process runs
with DEBUG off, a random 67-character SECRET_KEY and the manifest static files storage, as
in production; only plain http on 127.0.0.1 is allowed through the settings' own variables
(SECURE_SSL_REDIRECT and the secure-cookie flags), the defaults left as they are.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
# Variables of the test run that must not leak into the production processes.
NOT_INHERITED = {
    "DEBUG",
    "SECRET_KEY",
    "REDIS_URL",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "CELERY_TASK_DEFAULT_QUEUE",
}


def postgres_server_url() -> str | None:
    """The PostgreSQL server of DATABASE_URL (without its database), or None on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    return f"postgres://{parts.netloc}"


def redis_server_url() -> str | None:
    """The Redis server of REDIS_URL (without its database number), or None."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def create_database(server_url: str, name: str) -> str:
    """Drop (if left over) and create database `name`; returns its URL."""
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def flush_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Stack:
    """One deployment: a database, a Redis database, a media directory, its processes."""

    name: str
    redis_db: int | None  # None: no Redis, jobs run in-process (as `make run`)
    workdir: Path
    server_url: str
    redis_server: str | None
    media_root: Path | None = None
    static_root: Path | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    processes: list[Process] = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.media_root = self.media_root or self.workdir / "media"
        self.static_root = self.static_root or self.workdir / "static"
        self.database_url = f"{self.server_url}/{self.name}"
        self.redis_url = (
            f"{self.redis_server}/{self.redis_db}"
            if self.redis_server and self.redis_db is not None
            else ""
        )
        self.queue = f"{self.name}-{secrets.token_hex(4)}"

    # -- environment and commands ------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        return {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "STATIC_ROOT": str(self.static_root),
            "MEDIA_ROOT": str(self.media_root),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Plain http on the loopback address: no redirect to https, cookies sent over
            # http. HSTS and everything else keep their production values.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            # Workers and beat log through settings.LOGGING (JSON lines); the tests read
            # their INFO lines (a task received, beat's lock).
            "LOG_LEVEL": "INFO",
            **extra,
        }

    def manage(self, *args: str, check: bool = True, timeout: int = 300):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    # -- set-up ----------------------------------------------------------------------
    def create(self, collectstatic: bool = True) -> None:
        """A fresh database and Redis database, migrated, with collected static files (unless
        STATIC_ROOT has them already, or not asked for)."""
        create_database(self.server_url, self.name)
        if self.redis_url:
            flush_redis(self.redis_url)
        self.manage("migrate", "--no-input")
        if collectstatic and not (self.static_root / "staticfiles.json").exists():
            self.manage("collectstatic", "--no-input")

    def start(self, name: str, command: list[str], **extra_env: str) -> Process:
        log = self.workdir / f"{name}.log"
        with log.open("w") as out:
            popen = subprocess.Popen(  # noqa: S603
                command,
                cwd=PROJECT_DIR,
                env=self.env(**extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def start_gunicorn(self, port: int, workers: int = 2, name: str | None = None) -> Process:
        process = self.start(
            name or f"gunicorn-{port}",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config=config/gunicorn.py",
                "config.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--timeout=60",
                "--graceful-timeout=5",
                # One control socket per instance: two instances on one machine would
                # otherwise share ~/.gunicorn/gunicorn.ctl.
                f"--control-socket={self.workdir / (name or f'gunicorn-{port}')}.ctl",
            ],
        )
        wait_for_http(f"http://127.0.0.1:{port}/accounts/sign-in/", process)
        return process

    def start_worker(self, name: str = "worker", concurrency: int = 1) -> Process:
        return self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-Q",
                self.queue,
                f"--hostname={name}@{self.queue}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_beat(self, name: str = "beat", **extra_env: str) -> Process:
        return self.start(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
            ],
            **extra_env,
        )

    # -- tear-down -------------------------------------------------------------------
    def stop(self, process: Process, timeout: float = 15) -> None:
        if process.popen.poll() is None:
            os.killpg(process.popen.pid, signal.SIGTERM)
            try:
                process.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)

    def destroy(self) -> None:
        self.stop_all()
        drop_database(self.server_url, self.name)
        if self.redis_url:
            flush_redis(self.redis_url)

    def logs(self) -> str:
        return "".join(f"--- {p.name}\n{p.text()}\n" for p in self.processes)


def wait_for_http(url: str, process: Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} stopped:\n{process.text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{process.text()}")


def wait_until(predicate, timeout: float, message: str, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message)
