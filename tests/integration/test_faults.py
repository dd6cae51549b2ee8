"""The fault suite, shortened (the long form is `make bench-faults`): the deployment of
docs/deploy.md on loopback — its own PostgreSQL and Redis, a Rasa server, the action server, two
handoff replicas behind a real nginx running deploy/nginx/kefu.conf — under a dozen shoppers of
bot-owned and agent-owned chats, while each process is killed and started again (the slow ones
together, to keep the suite short)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from benchmarks.fault_rig import missing
from benchmarks.faults import FAULTS, FaultRun, run_faults

pytestmark = pytest.mark.slow

# The slow restarts strike together (Rasa loading its model and the action server its encoder take
# most of the test's time, one after the other); so do PostgreSQL and Redis. Each fault still gets
# its row, and `make bench-faults` runs them one by one.
SHORT = FaultRun(
    shoppers=12, agent_share=0.25, think=(0.5, 1.5), warm_up=5, settle=6, rasa_servers=1,
    faults=("handoff_replica_killed", "rasa_killed+action_server_down_10s", "postgresql_restarted+redis_restarted"),
)  # fmt: skip


@pytest.mark.timeout(900)
def test_no_acknowledged_message_is_lost_or_duplicated_whatever_process_fails(test_model: Path, tmp_path: Path) -> None:
    if (reason := missing()) is not None:
        pytest.skip(reason)
    rows = asyncio.run(run_faults(tmp_path, test_model, SHORT))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    by_fault = {row["fault"]: row for row in rows}
    assert set(FAULTS) <= set(by_fault)
    for name in FAULTS:
        row = by_fault[name]
        assert row["sent"] > 0, row
        assert row["acknowledged"] == row["sent"], row  # the widget's retries got every message stored
        assert row["lost"] == 0 and row["duplicated"] == 0, row
        assert row["answered_or_queued"] == row["acknowledged"], row
        # The target is 10 s (BENCHMARKS.md, "Faults", has the figures); on this shared
        # 2-core machine a freshly started Rasa's first turns alone take up to 15 s.
        assert row["max_wait_after_recovery_s"] <= 30, row
