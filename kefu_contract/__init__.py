"""The one contract between kefu's processes: what the handoff service, the Rasa server and the
action server say to each other, in one place both sides import.

Why a package of its own: the handoff service must not import the bot, nor the bot the service
(the layering contracts in pyproject.toml), yet both must agree byte for byte on the handoff
packet and its signature, the turn report, the vector Rasa hands on, and what a shopper message
carries. It imports nothing of ours.

Import the modules themselves (`kefu_contract.packet`, `.turn_report`, `.metadata`, `.vector`,
`.secrets`): nothing is re-exported here, because the Rasa server (Python 3.10, pydantic v1)
loads `kefu_contract.vector` and must not pull in the pydantic v2 models on the way.
"""
