"""MkDocs hook: numen's docstrings sometimes describe several arguments on one continued line
("kernel_regularizer / bias_regularizer / ...: as in Keras."), which griffe's Google-style
parser reports as a warning. Those lines still render as text, so the warning is shown as
information instead of failing `mkdocs build --strict`; every other warning still fails it."""

import logging


class _GroupedArguments(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if "Failed to get 'name: description' pair" in record.getMessage():
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def on_startup(command, dirty):
    for name in ("griffe", "mkdocs.plugins.griffe", "mkdocs.plugins.mkdocstrings_handlers"):
        logging.getLogger(name).addFilter(_GroupedArguments())
