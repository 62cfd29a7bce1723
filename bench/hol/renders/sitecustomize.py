"""Counts page renders for bench/hol/run.py --count-renders (on PYTHONPATH of the server):
one line per template Flask renders, `<unix time> <template name> <generation>`, appended
to the file named by COP_BENCH_RENDERS; the generation is the page generation the guest
page cache read before the render (its `_Pending` in the request's environ, `-` if none).
Flask's `template_rendered` signal is connected as soon as Flask is imported, so it counts
the same in any tree of cop (before and after a change)."""

import importlib.machinery
import os
import sys
import time

_path = os.environ.get("COP_BENCH_RENDERS")
_fd = None


def _record(_app, template, context, **_extra) -> None:
    global _fd
    if _fd is None:
        _fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    from flask import has_request_context, request  # noqa: PLC0415  (loaded by now)

    pending = request.environ.get("cop.guest_cache") if has_request_context() else None
    generation = getattr(pending, "generation", None)
    if isinstance(generation, tuple):
        generation = generation[0]
    line = f"{time.time():.4f} {template.name} {'-' if generation is None else generation}\n"
    os.write(_fd, line.encode())  # one write: whole lines


class _ThenConnect:
    """Finds Flask as Python would, and connects the signal once it has loaded."""

    def find_spec(self, name, path, target=None):
        if name != "flask":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            module.template_rendered.connect(_record, weak=False)

        spec.loader.exec_module = exec_module
        return spec


if _path:
    sys.meta_path.insert(0, _ThenConnect())
