"""A campaign's approved WhatsApp template: which recipient column fills each of its values.

Shared by ``campaigns`` (choosing and checking it) and ``dispatch`` (sending it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class TemplateMapping:
    name: str
    language: str
    # The recipient column for {{1}}, {{2}}, … in order ("name", "phone" or an imported column).
    variables: tuple[str, ...]

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> TemplateMapping:
        return cls(
            name=str(stored["name"]),
            language=str(stored["language"]),
            variables=tuple(str(column) for column in stored.get("variables", ())),
        )

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "language": self.language, "variables": list(self.variables)}

    def parameters(self, values: Mapping[str, object]) -> tuple[str, ...]:
        """One recipient's values for the template, in order (a missing column gives "")."""
        return tuple(str(values.get(column) or "") for column in self.variables)
