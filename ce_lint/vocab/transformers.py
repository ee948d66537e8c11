"""HuggingFace: transformers' sequence classifiers and configs (transformers 4.57.6), and what
datasets and evaluate show about the labels."""

from __future__ import annotations

import re

from .symbols import Library

TRANSFORMERS = "transformers"
LIBRARY = Library(TRANSFORMERS, roots=(TRANSFORMERS, "datasets", "evaluate"), gate=(TRANSFORMERS,))

MODEL_SUFFIX = "ForSequenceClassification"
MODEL = re.compile(rf"^(?!TF|Flax)\w*{MODEL_SUFFIX}$")  # PyTorch classes only
CONFIG = re.compile(r"^(?!TF|Flax)\w*Config$")
FROM_PRETRAINED = "from_pretrained"
FROM_CONFIG = "from_config"
PRETRAINED_CONFIG = f"{TRANSFORMERS}.PretrainedConfig"
SETTINGS = ("num_labels", "problem_type", "id2label", "label2id")  # what the config says about the labels
UPDATE = "update"  # config.update({...}) sets them after construction
LABEL_MAPS = ("id2label", "label2id")
DEFAULT_NUM_LABELS = 2  # PretrainedConfig's
REGRESSION = "regression"
SINGLE_LABEL = "single_label_classification"
MULTI_LABEL = "multi_label_classification"

# evaluate / datasets: metrics and datasets whose labels are classes.
LOAD_METRIC = frozenset({"evaluate.load", "datasets.load_metric"})
CLASS_METRICS = frozenset({"accuracy", "f1", "precision", "recall", "confusion_matrix"})
LOAD_DATASET = "datasets.load_dataset"
CLASS_DATASETS = frozenset({"imdb", "stanfordnlp/imdb", "rotten_tomatoes", "cornell-movie-review-data/rotten_tomatoes",
                            "sst2", "stanfordnlp/sst2", "ag_news", "fancyzhx/ag_news", "yelp_polarity",
                            "yelp_review_full", "amazon_polarity", "emotion", "dair-ai/emotion", "banking77",
                            "PolyAI/banking77", "trec", "dbpedia_14", "financial_phrasebank", "tweet_eval"})
GLUE = frozenset({"glue", "nyu-mll/glue"})
GLUE_CLASSIFICATION = frozenset({"sst2", "cola", "mrpc", "qqp", "mnli", "qnli", "rte", "wnli"})

# A line that makes labels float (`enc["labels"] = torch.tensor(...).float()`, datasets' cast_column).
FLOAT_CAST = re.compile(r"\.float\(\)|\.double\(\)|float(16|32|64)|torch\.float\b|FloatTensor|astype\(\s*float|"
                        r"dtype\s*=\s*float|cast_column")
