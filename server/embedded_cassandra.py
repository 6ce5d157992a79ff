"""An embedded single-node Cassandra for the tests, `snapfeed dev` and the feed benchmark.

Nothing is installed by hand: the server is the `org.apache.cassandra:cassandra-all` jar
and its dependencies, copied from Maven Central by `mvn dependency:copy-dependencies`
(server/cassandra-jars/pom.xml) into `~/.cache/snapfeed/cassandra-VERSION/lib` on first
use and reused afterwards. Each start writes a `cassandra.yaml` for one node on loopback
with free ports, tuned small (one token, small memtables, few threads, no snapshots), and
runs `CassandraDaemon` in its own JVM with a bounded heap. It needs `java` (17) and, for
the first fetch, `mvn`.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType

from server.cassandra_conf import LOGBACK, Tuning, cassandra_config, jvm_command

logger = logging.getLogger("snapfeed.embedded")

CASSANDRA_VERSION = "5.0.9"
POM = Path(__file__).resolve().parent / "cassandra-jars" / "pom.xml"
DEFAULT_CACHE = Path.home() / ".cache" / "snapfeed"

START_TIMEOUT_SECONDS = 180.0
STOP_TIMEOUT_SECONDS = 60.0


class CassandraUnavailable(RuntimeError):
    """Java or Maven is missing, or the jars could not be fetched."""


def missing_tools(version: str = CASSANDRA_VERSION, cache: Path = DEFAULT_CACHE) -> list[str]:
    """What this machine lacks to run the embedded Cassandra (`mvn` only before the fetch)."""
    missing = [] if shutil.which("java") else ["java"]
    if not _jars_ready(cache / f"cassandra-{version}") and not shutil.which("mvn"):
        missing.append("mvn")
    return missing


def _jars_ready(home: Path) -> bool:
    return (home / "lib" / ".complete").exists()


def ensure_jars(version: str = CASSANDRA_VERSION, cache: Path = DEFAULT_CACHE) -> Path:
    """The folder of Cassandra's jars, fetched with Maven the first time.

    A file lock keeps two processes (tests and `snapfeed dev`) from fetching at once, and
    the jars land in a temporary folder renamed into place, so a fetch cut short is redone.
    """
    home = cache / f"cassandra-{version}"
    lib = home / "lib"
    if _jars_ready(home):
        return lib
    if not shutil.which("mvn"):
        raise CassandraUnavailable("mvn is not installed: cannot fetch the Cassandra jars")
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _jars_ready(home):
            return lib
        partial = home / f"lib.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(lib, ignore_errors=True)
        logger.info("fetching Cassandra %s jars with Maven into %s", version, lib)
        command = [
            "mvn", "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
            f"-Dcassandra.version={version}", f"-DoutputDirectory={partial}",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            tail = (done.stdout + done.stderr)[-2000:]
            raise CassandraUnavailable(f"mvn could not fetch Cassandra {version}:\n{tail}")
        (partial / ".complete").touch()
        partial.rename(lib)
    return lib


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# The CQL OPTIONS request (protocol v4 header, no body) and the opcode of its answer.
_OPTIONS_FRAME = bytes([0x04, 0x00, 0x00, 0x00, 0x05, 0, 0, 0, 0])
_SUPPORTED = 0x06


def cql_ready(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """The node answers a CQL OPTIONS request (its native transport is up and serving)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_OPTIONS_FRAME)
            header = b""
            while len(header) < 9:
                chunk = sock.recv(9 - len(header))
                if not chunk:
                    return False
                header += chunk
            return header[4] == _SUPPORTED
    except OSError:
        return False


def _die_with_parent() -> None:
    # Runs in the child before exec: the JVM gets SIGTERM when the thread that started it
    # dies (a killed test run or `snapfeed dev` must not leave a Cassandra behind).
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class EmbeddedCassandra:
    """One Cassandra node under `data_dir`; a second start on the same dir reuses the data.

    Its ports are kept in `data_dir/ports.json` and reused while free, so a restarted node
    keeps its address. `hosts` is the contact point to give the driver
    (`SNAPFEED_CASSANDRA_HOSTS`).
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        tuning: Tuning | None = None,
        version: str = CASSANDRA_VERSION,
        cache: Path = DEFAULT_CACHE,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.tuning = tuning or Tuning()
        self.version = version
        self.cache = cache
        self.native_port = 0
        self.storage_port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        return (f"127.0.0.1:{self.native_port}",)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def log_file(self) -> Path:
        return self.data_dir / "logs" / "system.log"

    def start(self) -> EmbeddedCassandra:
        lib = ensure_jars(self.version, self.cache)
        java = shutil.which("java")
        if java is None:
            raise CassandraUnavailable("java is not installed: cannot run Cassandra")
        for directory in ("data", "logs", "triggers"):
            (self.data_dir / directory).mkdir(parents=True, exist_ok=True)
        self._choose_ports()
        config = cassandra_config(
            self.data_dir / "data", storage_port=self.storage_port, native_port=self.native_port
        )
        # JSON is YAML: no YAML writer needed, and nothing to quote by hand.
        (self.data_dir / "cassandra.yaml").write_text(json.dumps(config, indent=2))
        (self.data_dir / "logback.xml").write_text(LOGBACK.format(log=self.log_file))
        command = jvm_command(lib, self.data_dir, tuning=self.tuning, java=java)
        output = (self.data_dir / "logs" / "jvm.out").open("ab")
        logger.info(
            "starting embedded Cassandra %s (CQL on 127.0.0.1:%d, heap %d MiB)",
            self.version, self.native_port, self.tuning.heap_mb,
        )  # fmt: skip
        with output:
            self._process = subprocess.Popen(
                command,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C in the terminal reaches `snapfeed dev`, which
                # stops the node after the API and the worker.
                start_new_session=True,
                preexec_fn=(
                    _die_with_parent if threading.current_thread() is threading.main_thread()
                    else None
                ),
            )  # fmt: skip
        try:
            self._wait_for_cql()
        except BaseException:
            self.stop()
            raise
        logger.info("embedded Cassandra at %s", self.hosts[0])
        return self

    def _choose_ports(self) -> None:
        saved = self.data_dir / "ports.json"
        with contextlib.suppress(OSError, ValueError, KeyError):
            ports = json.loads(saved.read_text())
            if _port_free(ports["native"]) and _port_free(ports["storage"]):
                self.native_port, self.storage_port = ports["native"], ports["storage"]
                return
        self.native_port, self.storage_port = free_port(), free_port()
        while self.storage_port == self.native_port:
            self.storage_port = free_port()
        saved.write_text(json.dumps({"native": self.native_port, "storage": self.storage_port}))

    def _wait_for_cql(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not cql_ready(self.native_port):
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise RuntimeError(
                    f"Cassandra exited (code {code}) before serving CQL:\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Cassandra did not serve CQL within {START_TIMEOUT_SECONDS:.0f} s:\n"
                    f"{self._log_tail()}"
                )
            time.sleep(0.25)

    def _log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in (self.data_dir / "logs" / "jvm.out", self.log_file):
            with contextlib.suppress(OSError):
                parts += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(parts)

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """SIGTERM (Cassandra drains: flushes memtables, stops serving), then SIGKILL."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                logger.warning(
                    "Cassandra did not stop within %ss; killing it", STOP_TIMEOUT_SECONDS
                )
                process.kill()
                process.wait()

    def __enter__(self) -> EmbeddedCassandra:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
