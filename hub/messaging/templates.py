"""Message templates: Liquid files, checked against the data before anything is sent.

A template is a folder named after it, holding its parts:

    templates/cart-reminder/
        subject.liquid     the subject line (email)
        preheader.liquid   the inbox preview line (optional; hidden at the top of the HTML)
        html.liquid        the HTML body (optional)
        text.liquid        the plain-text body (required: the whole body of an SMS)

Every part sees the same data: `contact` (its fields; `contact.properties.*`), the message's
own variables (a cart's `items`, `recommendations`, `offer_code` …), `campaign` (`id`,
`variant`) and `unsubscribe_url`. `check` walks each part's variables through the data a
message will have and names the template file, line and variable of each one missing, so a
campaign is refused before its first send (seed 004 §D); rendering is strict too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liquid import BoundTemplate, Environment, StrictUndefined
from liquid.exceptions import LiquidError

from hub.errors import ConfigError, Problem

PARTS = ("subject", "preheader", "html", "text")
UNSUBSCRIBE = "unsubscribe_url"
REQUIRED = ("text",)
_ENV = Environment(undefined=StrictUndefined)


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    preheader: str | None
    html: str | None
    text: str

    def html_with_preheader(self) -> str | None:
        if self.html is None or not self.preheader:
            return self.html
        hidden = f'<div style="display:none;max-height:0;overflow:hidden">{self.preheader}</div>'
        return hidden + self.html


@dataclass(frozen=True)
class Use:
    """One place a part reads a global variable: `segments` is its path (`contact.name`)."""

    file: str
    line: int
    column: int
    name: str
    segments: tuple[Any, ...]


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    files: Mapping[str, Path]
    parts: Mapping[str, BoundTemplate]
    uses: tuple[Use, ...]  # analysed once, when loaded: a campaign checks thousands

    def check(self, data: Mapping[str, Any]) -> list[Problem]:
        """Every variable a part uses that `data` lacks, located (file, line, column)."""
        problems = []
        for use in self.uses:
            missing = _missing(data, use.segments)
            if missing is not None:
                problems.append(Problem(use.file, use.line, use.column, use.name,
                                        f"template {self.name!r} uses {missing!r}, which "
                                        f"the message's data does not have"))
        return problems

    def reads(self, variable: str) -> bool:
        return any(use.name == variable for use in self.uses)

    def check_unsubscribe(self) -> list[Problem]:
        """A marketing email carries an unsubscribe link (CAN-SPAM, GDPR): its body must."""
        if self.reads(UNSUBSCRIBE):
            return []
        return [Problem(str(self.files["text"]), None, None, UNSUBSCRIBE,
                        f"template {self.name!r} is sent as a marketing email, which must carry "
                        f"an unsubscribe link: use {{{{ {UNSUBSCRIBE} }}}} in its body")]

    def render(self, data: Mapping[str, Any]) -> Rendered:
        """Render every part; a variable missing at run time is a ConfigError too."""
        out: dict[str, str | None] = dict.fromkeys(PARTS)
        for part, template in self.parts.items():
            try:
                out[part] = template.render(**data).strip()
            except LiquidError as exc:
                raise ConfigError(f"template {self.name!r} ({self.files[part]}) cannot render: "
                                  f"{exc}") from None
        return Rendered(out["subject"], out["preheader"], out["html"], out["text"] or "")


class Templates:
    """The templates folder (`messaging.templates` in hub.yaml); each template read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: dict[str, MessageTemplate] = {}

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if (p / "text.liquid").is_file())

    def get(self, name: str) -> MessageTemplate:
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def check(self, name: str, data: Mapping[str, Any]) -> None:
        """Raise ConfigError naming each file, line and variable `data` lacks."""
        problems = self.get(name).check(data)
        if problems:
            raise ConfigError(f"template {name!r} uses variables the message does not have",
                              problems)

    def _load(self, name: str) -> MessageTemplate:
        folder = self.folder / name
        if not folder.is_dir() or "/" in name or name.startswith("."):
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"no template {name!r} in {self.folder} (templates: {known})")
        files = {part: folder / f"{part}.liquid" for part in PARTS
                 if (folder / f"{part}.liquid").is_file()}
        problems = [Problem(str(folder / f"{part}.liquid"), None, None, part,
                            f"template {name!r} needs a {part} part")
                    for part in REQUIRED if part not in files]
        parts, uses = {}, []
        for part, path in files.items():
            source = path.read_text(encoding="utf-8")
            try:
                parts[part] = _ENV.from_string(source, name=str(path))
            except LiquidError as exc:
                problems.append(Problem(str(path), getattr(exc, "line", None), None, part,
                                        str(exc).splitlines()[0]))
                continue
            for variable, found in parts[part].analyze().globals.items():
                uses += [Use(str(path), *_position(source, use.span.index), variable,
                             tuple(use.segments)) for use in found]
        if problems:
            raise ConfigError(f"template {name!r} is invalid", problems)
        return MessageTemplate(name, files, parts, tuple(uses))


def _missing(data: Mapping[str, Any], segments: Sequence[Any]) -> str | None:
    """The dotted prefix of `segments` that `data` lacks, or None when it resolves (a walk
    stops at lists, strings and computed segments: those are the template's business)."""
    current: Any = data
    walked: list[str] = []
    for segment in segments:
        if not isinstance(segment, str) or not isinstance(current, Mapping):
            return None
        walked.append(segment)
        if segment not in current:
            return ".".join(walked)
        current = current[segment]
    return None


def _position(source: str, index: int) -> tuple[int, int]:
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1
