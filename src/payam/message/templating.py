"""The message language: variables with fallbacks and spintax, parsed once and rendered fast.

A campaign's message is parsed (and so validated) once, when the user saves it; the dispatch path
then renders the parsed form for every recipient, thousands of times per second, by walking a
precompiled node list. Nothing is re-parsed per recipient.

Grammar
-------
Positions are 0-based indexes into the text, counted in Unicode code points (Python ``str``
indexes; a front end working in UTF-16 must convert for characters outside the BMP, e.g. emoji)::

    template  := piece*
    piece     := escape | variable | spintax | text
    escape    := "\\" ( "{" | "}" | "|" | "\\" )        -- the character itself, literally
    variable  := "{{" name ( "|" fallback )? "}}"
    name      := name-char+    -- letters (Persian too), digits, combining marks, "_", "-", ".",
                               -- spaces and ZWNJ; surrounding spaces are ignored
    fallback  := ( escape | any character but "{" and "}" )*          -- trimmed
    spintax   := "{" choice ( "|" choice )+ "}"
    choice    := piece*        -- may be empty; may nest variables and spintax
    text      := any other characters

Rules and the decisions behind them:

- ``{{`` always opens a variable and a variable ends at the first ``}}``. The one exception is a
  run of three braces: in ``{{{name}}|friend}`` the first brace opens a spintax whose first choice
  is a variable. A spintax whose *first* choice is itself a spintax would start with ``{{``, so
  put the nested one later: ``{c|{a|b}}`` (ending in ``}}`` is harmless), not ``{{a|b}|c}``.
- A variable's value is looked up by its key (:func:`variable_key`): names are matched ignoring
  case, Unicode compatibility forms, Arabic versus Persian yeh and kaf, Persian/Arabic versus
  Latin digits, and whether words are joined by spaces, ZWNJ or underscores. ``{{ First Name }}``,
  ``{{first_name}}`` and a column called ``FIRST NAME`` are one variable.
- A value that is missing, ``None``, empty or only whitespace uses the fallback, or renders as
  nothing without one. Values are trimmed. ``{{name|}}`` (an explicit empty fallback) says "nothing
  is fine" and so is not reported by :meth:`Template.missing`.
- The fallback is plain text: ``|`` is literal there, ``{`` and a lone ``}`` must be escaped.
- A spintax needs at least two choices: ``{name}`` is refused, because it is nearly always a
  mistyped ``{{name}}`` and a literal brace is better written ``\\{``. An empty choice is allowed
  (``{very |}good`` means "very good" or "good"); so is ``{|}``.
- ``|`` outside any spintax is a literal character; ``\\`` before any other character is a
  literal backslash, so ``\\o/`` or a Windows path needs no escaping.
- At most :data:`MAX_TEMPLATE_LENGTH` characters (WhatsApp's limit for a text message) and
  :data:`MAX_NESTING` levels of spintax; rendered values may still make a message longer.

Each spintax picks one choice per recipient. :func:`render_for` makes the pick a pure function of
a seed (the recipient's id), so a preview of recipient #42 shows exactly what #42 will receive, on
any process and any Python version.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from payam.kit.phones import DIGIT_TRANSLATION

MAX_TEMPLATE_LENGTH = 4096
MAX_NESTING = 16

_ESCAPABLE = frozenset("{}|\\")
# Where a run of literal text can stop: everything else is copied through in one slice.
_SPECIAL = re.compile(r"[\\{}|]")
_ZWNJ = "\u200c"
_NAME_PUNCTUATION = frozenset("_-." + _ZWNJ)
# Persian text typed on an Arabic keyboard layout carries these look-alikes.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"}) | DIGIT_TRANSLATION
_WORD_JOINERS = re.compile(r"[\s\u200c_]+")
_MISSING = object()


class TemplateError(ValueError):
    """The message cannot be parsed: ``message`` says why, ``position`` where (0-based)."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} (at character {position})")


def variable_key(name: str) -> str:
    """The form under which a variable or column name is matched (see the module docstring).

    Exported so that whoever stores recipients' columns can key them the same way, which keeps
    rendering on its fast path (an exact dictionary hit).
    """
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_FOLD)
    return _WORD_JOINERS.sub("_", folded.strip().strip(_ZWNJ))


@dataclass(frozen=True, slots=True)
class _Variable:
    slot: int  # index of the variable's value in the per-render list of resolved values
    fallback: str | None


@dataclass(frozen=True, slots=True)
class _Spin:
    choices: tuple[tuple[_Node, ...], ...]


_Node = str | _Variable | _Spin


class Template:
    """A parsed message. Build it with :func:`parse_template`; it is immutable and shareable."""

    __slots__ = ("_keys", "_nodes", "_strict_keys", "source", "variables")

    def __init__(
        self, source: str, nodes: tuple[_Node, ...], keys: list[str], strict_keys: set[str]
    ) -> None:
        self.source = source
        # The keys (see variable_key) of every variable the message uses.
        self.variables: frozenset[str] = frozenset(keys)
        self._nodes = nodes
        self._keys = tuple(keys)
        # Keys used at least once without a fallback: an empty value there leaves a gap.
        self._strict_keys = frozenset(strict_keys)

    def __repr__(self) -> str:
        return f"Template({self.source!r})"

    @property
    def varies(self) -> bool:
        """Whether recipients may get different texts: a variable, or a spintax choice."""
        return bool(self.variables) or any(isinstance(node, _Spin) for node in self._nodes)

    def render(self, values: Mapping[str, object], *, rng: random.Random) -> str:
        """The message for one recipient, each spintax choice drawn from ``rng``."""
        draw = rng.random
        # int(random() * n) rather than randrange: one cheap call per pick.
        return self._render(values, lambda choices: int(draw() * choices))

    def missing(self, values: Mapping[str, object]) -> frozenset[str]:
        """Keys that would render as nothing for these values because they have no fallback.

        For previews: "recipient #42 has no city".
        """
        resolved = self._resolve(values)
        return (
            frozenset(key for key, value in zip(self._keys, resolved, strict=True) if not value)
            & self._strict_keys
        )

    def _render(self, values: Mapping[str, object], pick: Callable[[int], int]) -> str:
        out: list[str] = []
        _emit(self._nodes, self._resolve(values) if self._keys else [], pick, out.append)
        return "".join(out)

    def _resolve(self, values: Mapping[str, object]) -> list[str]:
        resolved: list[str] = []
        by_key: dict[str, object] | None = None
        for key in self._keys:
            value = values.get(key, _MISSING)
            if value is _MISSING:
                # Only a caller whose keys are not already normalized pays for this, once.
                if by_key is None:
                    by_key = {variable_key(name): item for name, item in values.items()}
                value = by_key.get(key)
            if value is None:
                resolved.append("")
            else:
                resolved.append((value if type(value) is str else str(value)).strip())
        return resolved


def _emit(
    nodes: tuple[_Node, ...],
    resolved: list[str],
    pick: Callable[[int], int],
    append: Callable[[str], None],
) -> None:
    # Exact type checks, cheapest first: most nodes are literal text.
    for node in nodes:
        if type(node) is str:
            append(node)
        elif type(node) is _Variable:
            append(resolved[node.slot] or node.fallback or "")
        elif type(node) is _Spin:
            choices = node.choices
            _emit(choices[pick(len(choices))], resolved, pick, append)


_MASK64 = (1 << 64) - 1
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15
# Below this many bits left the next pick's modulo bias (n / 2**40) could begin to show: refill.
_REFILL_BELOW = 1 << 40


def _mix64(value: int) -> int:
    """SplitMix64's finalizer: consecutive inputs (recipient ids) give unrelated outputs."""
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


class _SeededPicks:
    """Spintax picks as a pure function of a seed, portable across processes and Pythons.

    ``random.Random(seed)`` costs ~6 µs to seed, several renders' worth. This mixes the seed once
    (SplitMix64) and spends the 64 bits a few at a time, ``divmod`` by each spintax's number of
    choices, mixing again only when they run low.
    """

    __slots__ = ("_bits", "_counter", "_seed")

    def __init__(self, seed: int) -> None:
        self._seed = seed & _MASK64
        self._counter = 1
        self._bits = _mix64((self._seed + _GOLDEN_GAMMA) & _MASK64)

    def __call__(self, choices: int) -> int:
        if self._bits < _REFILL_BELOW:
            self._counter += 1
            self._bits = _mix64((self._seed + self._counter * _GOLDEN_GAMMA) & _MASK64)
        self._bits, pick = divmod(self._bits, choices)
        return pick


def render_for(template: Template, values: Mapping[str, object], *, seed: int) -> str:
    """The message for one recipient with choices fixed by ``seed`` (use the recipient's id).

    The same template, values and seed give the same text everywhere: preview and send agree.
    """
    return template._render(values, _SeededPicks(seed))


@dataclass(slots=True)
class _OpenSpin:
    position: int
    choices: list[list[_Node]] = field(default_factory=list)
    current: list[_Node] = field(default_factory=list)


def parse_template(text: str) -> Template:
    """Parse and validate a message; raises :class:`TemplateError` with the first fault."""
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(
            f"the message is longer than {MAX_TEMPLATE_LENGTH} characters", MAX_TEMPLATE_LENGTH
        )
    keys: dict[str, int] = {}
    strict_keys: set[str] = set()
    root: list[_Node] = []
    stack: list[_OpenSpin] = []
    current = root
    literal: list[str] = []
    length = len(text)
    index = 0

    def flush() -> None:
        if literal:
            current.append("".join(literal))
            literal.clear()

    while index < length:
        char = text[index]
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following in _ESCAPABLE and following:
                literal.append(following)
                index += 2
            else:
                literal.append(char)
                index += 1
        elif char == "{":
            flush()
            if text.startswith("{{", index) and not text.startswith("{{{", index):
                variable, key, index = _parse_variable(text, index, keys)
                if variable.fallback is None:
                    strict_keys.add(key)
                current.append(variable)
            else:
                if len(stack) >= MAX_NESTING:
                    raise TemplateError(
                        f"spintax is nested more than {MAX_NESTING} levels deep", index
                    )
                stack.append(_OpenSpin(index))
                current = stack[-1].current
                index += 1
        elif char == "}":
            if not stack:
                raise TemplateError("this } closes nothing; write \\} for a literal brace", index)
            flush()
            spin = stack.pop()
            spin.choices.append(spin.current)
            if len(spin.choices) < 2:
                raise TemplateError(
                    "a spintax needs two or more choices separated by |: "
                    "write {{name}} for a variable, or \\{ for a literal brace",
                    spin.position,
                )
            current = stack[-1].current if stack else root
            current.append(_Spin(tuple(tuple(choice) for choice in spin.choices)))
            index += 1
        elif char == "|" and stack:
            flush()
            spin = stack[-1]
            spin.choices.append(spin.current)
            spin.current = current = []
            index += 1
        else:
            found = _SPECIAL.search(text, index + 1)
            end = found.start() if found else length
            literal.append(text[index:end])
            index = end
    if stack:
        raise TemplateError("this { is never closed", stack[-1].position)
    flush()
    return Template(text, tuple(root), list(keys), strict_keys)


def _is_name_char(char: str) -> bool:
    return (
        char.isalnum()
        or char in _NAME_PUNCTUATION
        or char.isspace()
        # Persian and Arabic diacritics (fatha, kasra...) are combining marks, not letters.
        or unicodedata.category(char).startswith("M")
    )


def _parse_variable(text: str, start: int, keys: dict[str, int]) -> tuple[_Variable, str, int]:
    """Parse ``{{name|fallback}}`` at ``start``: the node, its key and the index after it."""
    length = len(text)
    index = start + 2
    name_end: int | None = None
    fallback: list[str] | None = None
    while True:
        if index >= length:
            raise TemplateError("this {{ is never closed with }}", start)
        char = text[index]
        if char == "}":
            if text.startswith("}}", index):
                break
            if index + 1 == length:
                raise TemplateError("this {{ is never closed with }}", start)
            raise TemplateError(
                "a variable is closed with }}; write \\} for a literal brace in a fallback "
                "(a spintax cannot start with a nested one: write {c|{a|b}}, not {{a|b}|c})",
                index,
            )
        if char == "{":
            raise TemplateError(
                "{ cannot appear inside {{ }}; write \\{ for a literal brace in a fallback", index
            )
        if fallback is not None:
            following = text[index + 1 : index + 2]
            if char == "\\" and following in _ESCAPABLE and following:
                fallback.append(following)
                index += 2
                continue
            fallback.append(char)
        elif char == "|":
            name_end = index
            fallback = []
        elif not _is_name_char(char):
            raise TemplateError(
                f"{char!r} cannot be part of a variable name: use letters, digits, spaces, "
                "_ - and .",
                index,
            )
        index += 1
    name = text[start + 2 : index if name_end is None else name_end]
    key = variable_key(name)
    if not key:
        raise TemplateError("the variable has no name: write {{name}}", start)
    slot = keys.setdefault(key, len(keys))
    node = _Variable(slot, None if fallback is None else "".join(fallback).strip())
    return node, key, index + 2


def recipient_values(
    *, name: str | None, phone: str, variables: Mapping[str, object] | None
) -> dict[str, object]:
    """What the template sees for one recipient: its name and phone, then its own columns."""
    return {"name": name or "", "phone": phone, **(variables or {})}
