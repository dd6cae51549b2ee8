# The two commands of the README. Both install what is missing first.
.PHONY: demo test setup browsers

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

demo: setup
	.venv/bin/kefu demo

test: setup
	.venv/bin/python -m pytest -ra $(PYTEST_ARGS)

setup:
	@bash scripts/setup.sh
