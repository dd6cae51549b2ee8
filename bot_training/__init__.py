"""The bot's training data as a library: NLU files, validation, training, evaluation and retraining.

Both the `kefu` command and the trainer's page (handoff_service.training) use it; it imports
neither."""
