"""Prometheus metrics of the desk, one registry per app (tests run several apps in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_WAIT_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.queue_length = Gauge("kefu_queue_length", "Chats waiting for a person.", registry=self.registry)
        self.waiting_seconds = Histogram(
            "kefu_waiting_seconds", "From queued to an agent taking the chat.", buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.first_response_seconds = Histogram(
            "kefu_first_response_seconds", "From queued to the agent's first reply.", buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.handle_seconds = Histogram(
            "kefu_handle_seconds", "From an agent taking a chat to releasing it.", buckets=_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.escalations = Counter(
            "kefu_escalations", "Chats handed to people, by reason.", ["reason"], registry=self.registry
        )
        self.csat = Counter("kefu_csat_answers", "Satisfaction answers, by score.", ["score"], registry=self.registry)
        self.sla_breaches = Counter(
            "kefu_first_response_sla_breaches", "Chats whose first response missed the target.", registry=self.registry
        )
        self.messages = Counter("kefu_messages", "Messages stored, by sender.", ["sender"], registry=self.registry)
        self.loop_last_success = Gauge(
            "kefu_background_last_success_timestamp_seconds",
            "When each background loop (sweeper, relay worker, Redis listener) last ran without error.",
            ["loop"], registry=self.registry,
        )  # fmt: skip
        self.loop_failures = Counter(
            "kefu_background_failures", "Errors a background loop caught and survived, by loop.", ["loop"],
            registry=self.registry,
        )
        self.relays = Counter("kefu_relays", "Relays to the bot finished, by outcome.", ["outcome"], registry=self.registry)
