"""Every Redis key format and Cassandra table name used by Snapfeed, in one place."""

from __future__ import annotations

# Login throttling: failed attempts per username and per client address.
LOGIN_FAILURES_BY_USER = "rl:login:user:{username}"
LOGIN_FAILURES_BY_IP = "rl:login:ip:{ip}"

# arq's queue name for all Snapfeed jobs.
JOB_QUEUE = "snapfeed:jobs"


def login_failures_by_user(username: str) -> str:
    return LOGIN_FAILURES_BY_USER.format(username=username)


def login_failures_by_ip(ip: str) -> str:
    return LOGIN_FAILURES_BY_IP.format(ip=ip)
