"""kefu's custom actions, served by rasa-sdk (`python -m rasa_sdk --actions bot.actions`).

Heavy parts (the encoder, the index, the store) load on first use, never at import:
rasa-sdk imports this package while starting its workers.
"""

from bot.actions.coupons import ActionShowCoupons
from bot.actions.handoff import ActionEscalate
from bot.actions.kb import ActionAnswerFromKb
from bot.actions.orders import ActionCheckOrderStatus, ActionCheckRefundStatus
from bot.actions.returns import ActionOfferReturnOptions

__all__ = [
    "ActionAnswerFromKb",
    "ActionCheckOrderStatus",
    "ActionCheckRefundStatus",
    "ActionEscalate",
    "ActionOfferReturnOptions",
    "ActionShowCoupons",
]
