"""What every template environment shares: the loader, the whitespace rules, strict
undefined values, and compiled templates kept between processes.

Compiling the templates a reply needs costs each new process (a console, a command-line
run, a restarted server) a tenth of a second or more; jinja2 can keep the compiled code in
a private folder of the system's temporary directory, checked against each template's
source before use. Each environment gets its own files (autoescaping and finalizing change
the compiled code of the same template), named with a fingerprint of the code that sets
the environments up, so that changing an option never runs code compiled under the old one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import pickle
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import BytecodeCache, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket

log = logging.getLogger(__name__)


class _Cache(FileSystemBytecodeCache):
    """A cache that cannot be read or written is skipped: the template is compiled."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def shared_options(kind: str, templates: Path) -> dict[str, Any]:
    """The options of the environment called ``kind`` over ``templates``, besides its
    escaping and finalizing."""
    return {
        "loader": FileSystemLoader(str(templates)),
        "auto_reload": False,
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": False,
        "bytecode_cache": template_cache(kind),
    }


def template_cache(kind: str) -> BytecodeCache | None:
    """The compiled-template cache of the environment called ``kind``, or None when no
    private folder can be had (then templates are compiled in each process, as before)."""
    try:
        return _Cache(pattern=f"ent-bot-{kind}-{_fingerprint()}-%s.cache")
    except (OSError, RuntimeError) as error:
        log.info("no compiled-template cache: %s", type(error).__name__)
        return None



@functools.cache
def _fingerprint() -> str:
    """The jinja2 version and the source of this package's modules (their options,
    filters and finalizers shape the compiled code)."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:12]
