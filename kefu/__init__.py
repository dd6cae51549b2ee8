"""The `kefu` command: run the demo, train the bot, manage the knowledge base."""
