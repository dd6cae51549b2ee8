"""kefu's custom actions, served by rasa-sdk (`python -m rasa_sdk --actions bot.actions`).

Heavy parts (the encoder, the index, the store) load on first use, never at import:
rasa-sdk imports this package while starting its workers.
"""

from bot.actions.actions import ActionAnswerFromKb, ActionEscalate

__all__ = ["ActionAnswerFromKb", "ActionEscalate"]
