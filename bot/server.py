"""kefu's Rasa server is Rasa's own: `python -m bot.server run …` is `rasa run …` with the same
arguments, nothing changed (kefu/supervisor.py starts it this way).

What kefu adds goes through Rasa's documented extension points, named in the files `rasa run`
reads: the tracker store (bot/tracker_store.py, in bot/endpoints.yml) and a channel that freezes
the start-up heap once the model is loaded (bot/frozen_heap.py, in bot/credentials.yml).
The versions these rely on are checked by tests/integration/test_rasa_server.py.
"""

from __future__ import annotations

import sys


def main() -> None:
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
