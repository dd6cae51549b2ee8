"""The front door: shopper sessions, transcript, who owns each chat, the queue, agents."""
