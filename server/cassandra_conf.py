"""What the embedded Cassandra runs with: its cassandra.yaml, logback.xml and JVM flags."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Java 17 hides JDK internals Cassandra reaches into; these are conf/jvm17-server.options.
_JPMS = [
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
]

LOGBACK = """<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>{log}</file>
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %logger{{20}} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"""


@dataclass(frozen=True)
class Tuning:
    """How much of the machine the node may take."""

    heap_mb: int = 768
    # C1 only: the JVM compiles far less while Cassandra starts (tests); off for benchmarks.
    quick_jit: bool = True


def cassandra_config(data: Path, *, storage_port: int, native_port: int) -> dict[str, Any]:
    """cassandra.yaml for one node on loopback, small and quick to start."""
    return {
        "cluster_name": "snapfeed-embedded",
        # One token, set: no token allocation, no bootstrap, no streaming.
        "num_tokens": 1,
        "initial_token": "0",
        "auto_bootstrap": False,
        "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
        "endpoint_snitch": "SimpleSnitch",
        "seed_provider": [
            {
                "class_name": "org.apache.cassandra.locator.SimpleSeedProvider",
                "parameters": [{"seeds": f"127.0.0.1:{storage_port}"}],
            }
        ],
        "listen_address": "127.0.0.1",
        "rpc_address": "127.0.0.1",
        "storage_port": storage_port,
        "native_transport_port": native_port,
        "start_native_transport": True,
        "storage_compatibility_mode": "NONE",  # a new cluster: no 4.x nodes to talk to
        "data_file_directories": [str(data / "data")],
        "commitlog_directory": str(data / "commitlog"),
        "saved_caches_directory": str(data / "saved_caches"),
        "hints_directory": str(data / "hints"),
        "cdc_raw_directory": str(data / "cdc_raw"),
        # Periodic sync (the default) lets writes return before the fsync; a development
        # node may lose its last seconds on a power cut, never on a clean stop.
        "commitlog_sync": "periodic",
        "commitlog_sync_period": "10000ms",
        "commitlog_segment_size": "8MiB",
        # Snapshots before TRUNCATE and DROP would only fill the disk of a throwaway node.
        "auto_snapshot": False,
        "snapshot_before_compaction": False,
        "hinted_handoff_enabled": False,  # one node: nobody to hint for
        # Small memtables and few threads: two cores are shared with everything else.
        "memtable_heap_space": "64MiB",
        "memtable_offheap_space": "64MiB",
        "memtable_flush_writers": 1,
        "concurrent_reads": 4,
        "concurrent_writes": 4,
        "concurrent_counter_writes": 2,
        "concurrent_materialized_view_writes": 2,
        "concurrent_compactors": 1,
        "native_transport_max_threads": 16,
        "file_cache_size": "32MiB",
        "key_cache_size": "16MiB",
        "counter_cache_size": "0MiB",
        "prepared_statements_cache_size": "8MiB",
        "dynamic_snitch": False,
        "authenticator": "AllowAllAuthenticator",
        "authorizer": "AllowAllAuthorizer",
    }


def jvm_command(lib: Path, run: Path, *, tuning: Tuning, java: str = "java") -> list[str]:
    """The `java` command line that runs `CassandraDaemon` from `lib` with files in `run`."""
    jamm = sorted(lib.glob("jamm-*.jar"))
    heap = f"{tuning.heap_mb}m"
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-Xss256k",
        "-XX:+UseG1GC",
        "-XX:ParallelGCThreads=2",
        "-XX:ConcGCThreads=1",
        "-XX:+PerfDisableSharedMem",
        "-XX:+ExitOnOutOfMemoryError",  # a node out of memory may corrupt its data
        *(["-XX:TieredStopAtLevel=1"] if tuning.quick_jit else []),
        *[f"-javaagent:{jar}" for jar in jamm[:1]],  # sizes memtable contents
        "-Djava.net.preferIPv4Stack=true",
        "-Djdk.attach.allowAttachSelf=true",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "-Dcassandra-foreground=yes",
        f"-Dcassandra.config=file://{run / 'cassandra.yaml'}",
        f"-Dcassandra.storagedir={run / 'data'}",
        f"-Dcassandra.logdir={run / 'logs'}",
        f"-Dlogback.configurationFile={run / 'logback.xml'}",
        f"-Dcassandra.triggers_dir={run / 'triggers'}",
        # One node: no gossip to wait for, and no JMX port (nodetool is not used).
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        "-Dcassandra.ring_delay_ms=0",
        *_JPMS,
        "-cp",
        f"{lib}/*",
        "org.apache.cassandra.service.CassandraDaemon",
    ]
