"""Training on text: reading data, the trainer, checkpoints that resume exactly.

The modules, from the files up:

- :mod:`rational.train.data` reads ``label tokens...`` lines, TSV/CSV and plain text
  (:mod:`rational.train.trees` the Stanford Sentiment Treebank), with format detection;
- :mod:`rational.train.vocab` tokenizes and maps tokens to ids;
  :mod:`rational.train.vectors` loads pretrained word vectors;
- :mod:`rational.train.batching` pads, groups by length and cuts language-model streams;
- :mod:`rational.train.tasks` defines classification and language modeling;
- :mod:`rational.train.trainer` trains (:class:`~rational.train.trainer.Trainer`);
- :mod:`rational.train.checkpoint` loads and evaluates saved runs;
- :mod:`rational.train.pipeline` ties them together (``rational train`` runs it);
- :mod:`rational.train.synthetic` generates data sets for tests, examples and the demo.

The package itself imports nothing heavy, so the ``rational`` command starts fast;
import the modules you need.
"""
