"""The domain packages of grants/, for the registries that collect one module from each."""

from __future__ import annotations

import importlib
import pkgutil

import grants


def import_each(submodule: str) -> None:
    """Import `grants.<domain>.<submodule>` for every domain package that has one."""
    for info in pkgutil.iter_modules(grants.__path__):
        if not info.ispkg:
            continue
        name = f"grants.{info.name}.{submodule}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
