# The two commands of the README. Both install what is missing first.
.PHONY: demo test setup bench-turns

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

demo: setup
	.venv/bin/kefu demo

test: setup
	.venv/bin/python -m pytest -ra $(PYTEST_ARGS)

setup:
	@bash scripts/setup.sh

# Benchmarks print their figures; BENCHMARKS.md records them with these commands.
bench-turns: setup
	.venv/bin/python -m benchmarks.turns 100
