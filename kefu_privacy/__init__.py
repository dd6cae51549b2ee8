"""Personal data kept out of what leaves the chat: the masker (`mask_pii`) and the logging filter
(`PiiFilter`). Imported by the handoff service, the action server, bot_training and kb_index's
writers; imports nothing of ours, so every layer may use it."""

from kefu_privacy.logs import PiiFilter, extra_fields, mask_root_logging, mask_value
from kefu_privacy.masker import find_pii, mask_name, mask_pii

__all__ = ["PiiFilter", "extra_fields", "find_pii", "mask_name", "mask_pii", "mask_root_logging", "mask_value"]
