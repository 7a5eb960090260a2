"""Training on text: data readers, vocabulary, batching, the trainer, checkpoints."""
