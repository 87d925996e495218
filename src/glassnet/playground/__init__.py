"""The playground: a TensorFlow-Playground-style trainer that runs on glassnet.

`Session` holds one page's data, network and optimizer; `PlaygroundConfig` is its state with
TF Playground's URL-hash names. The web server (`server.py`, `static/`) drives Sessions.
"""

from .config import ConfigError, PlaygroundConfig, limits
from .session import SCRIPT_FILENAME, WEIGHTS_FILENAME, Session

__all__ = [
    "SCRIPT_FILENAME",
    "WEIGHTS_FILENAME",
    "ConfigError",
    "PlaygroundConfig",
    "Session",
    "limits",
]
