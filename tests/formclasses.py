"""Every Django form class Kith defines, found by importing each app's forms modules."""

from __future__ import annotations

import importlib
import pkgutil

from django import forms

import kith


def kith_form_classes() -> list[type[forms.BaseForm]]:
    for info in pkgutil.walk_packages(kith.__path__, "kith."):
        if info.name.rsplit(".", 1)[-1].startswith("forms"):
            importlib.import_module(info.name)
    seen: set[type] = set()
    todo: list[type] = [forms.Form, forms.ModelForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith("kith.")),
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")
