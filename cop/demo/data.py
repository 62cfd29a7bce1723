"""The demo's content: YAML files in content/, attachments in content/files/."""

from importlib.resources import files
from typing import Any

import yaml

CONTENT = files("cop.demo") / "content"


def read(name: str) -> Any:
    """One YAML file of content/, e.g. "people.yaml" or "forum/1-general.yaml"."""
    return yaml.safe_load((CONTENT / name).read_text(encoding="utf-8"))


def forum_files() -> list[str]:
    """The forum files in their order, which is the order of their spaces."""
    return sorted(f"forum/{item.name}" for item in (CONTENT / "forum").iterdir())


def attachment(name: str) -> bytes:
    return (CONTENT / "files" / name).read_bytes()
