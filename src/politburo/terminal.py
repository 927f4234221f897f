"""Output that any terminal can show: the consoles every command prints through.

Two things can go wrong with a command's output, and this module handles both for every command.

**A stream that cannot encode a character** (a Latin-1 or ASCII locale, ``PYTHONIOENCODING=ascii``,
``LC_ALL=C``). Text is fitted to the stream's encoding before it is laid out, so tables stay
aligned: the typographic symbols in `SUBSTITUTES` get ASCII look-alikes (an em dash becomes
"-", "±" becomes "+/-", a bar block "#"), box drawing becomes ASCII, and any other character the
stream cannot encode -- a letter of a leader's name, say -- is written as a Python backslash escape
("Ł" as ``\\u0141``, "Б" as ``\\u0411``), so no letter of a name is lost or changed into another.
A character the stream can encode is always written as it is: on a UTF-8 stream every name prints
exactly as the scenario spells it. `protect` installs the same rule as the streams' error handler,
a safety net for whatever is printed outside these consoles (never a UnicodeEncodeError).

**A narrow terminal.** `Terminal.table` prints a table only when every column fits whole; a
number, a name or any other column that is not prose is never wrapped, cut or dropped. When the
table does not fit, each row is printed as a block of "label: value" lines instead. Bars shrink to
the width there is; the figures next to them never do.

The consoles interpret no Rich markup and no emoji codes: a name such as "[bold]x[/]" or ":fire:"
prints literally.
"""

from __future__ import annotations

import codecs
import functools
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Literal

from rich import box as boxes
from rich.box import Box
from rich.cells import cell_len
from rich.console import Console, ConsoleDimensions, HighlighterType, JustifyMethod, OverflowMethod
from rich.style import Style
from rich.table import Table
from rich.text import Text

__all__ = ["ERRORS", "SUBSTITUTES", "Bar", "Col", "Terminal", "fit", "protect"]

# The ASCII look-alikes of the symbols the commands print, for a stream that cannot encode them.
SUBSTITUTES: dict[str, str] = {
    "\u2014": "-",  # em dash
    "\u2013": "-",  # en dash
    "\u2012": "-",  # figure dash
    "\u2212": "-",  # minus sign
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2026": "...",  # ellipsis
    "\u00b1": "+/-",
    "\u00d7": "x",
    "\u00b7": "-",  # middle dot
    "\u2022": "*",  # bullet
    "\u2192": "->",
    "\u2190": "<-",
    "\u2194": "<->",
    "\u2265": ">=",
    "\u2264": "<=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u00a0": " ",  # no-break space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
    "\u00b0": " deg",
    "\u00a7": "S",  # section sign
    "\u2713": "v",
    "\u2717": "x",
    # bars: full and partial blocks, shades
    "\u2588": "#", "\u2589": "#", "\u258a": "#", "\u258b": "#",
    "\u258c": "#", "\u258d": "#", "\u258e": "#", "\u258f": "#",
    "\u2591": "-", "\u2592": "-", "\u2593": "-",
    "\u2501": "-",  # the progress bar's heavy line
}

# The name of the codec error handler that applies the rule above (see `protect`).
ERRORS = "politburo.fit"

BLOCKS = ("", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589")
FULL = "\u2588"
SHADE = "\u2592"


def _box_drawing(char: str) -> str | None:
    """An ASCII stand-in for a box-drawing character: -, =, | or +."""
    if not "\u2500" <= char <= "\u257f":
        return None
    words = set(unicodedata.name(char, "").split())
    across = bool(words & {"HORIZONTAL", "LEFT", "RIGHT"})
    down = bool(words & {"VERTICAL", "UP", "DOWN"})
    if across and not down:
        return "=" if "DOUBLE" in words else "-"
    if down and not across:
        return "|"
    return "+"


def _fallback(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Codec error handler: the look-alike of the first character the codec cannot encode, else
    its backslash escape. A lone surrogate U+DC80..U+DCFF stands for a byte that was not valid in
    the locale's encoding when it was read (a file name, an argument): that byte is written back."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    char = exc.object[exc.start]
    if 0xDC80 <= ord(char) <= 0xDCFF:
        return bytes([ord(char) - 0xDC00]), exc.start + 1
    stand_in = SUBSTITUTES.get(char) or _box_drawing(char)
    if stand_in is None:
        stand_in = char.encode("ascii", "backslashreplace").decode("ascii")
    return stand_in, exc.start + 1


codecs.register_error(ERRORS, _fallback)


@functools.cache
def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def fit(text: str, encoding: str) -> str:
    """`text` as a stream in `encoding` can show it (see the module's docstring): unchanged when
    the encoding can encode all of it."""
    if not _known(encoding):
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, ERRORS).decode(encoding, "surrogateescape")
    return text


def protect(stream: IO[str]) -> None:
    """Make `stream` write what its encoding cannot show by the same rule, instead of raising."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        reconfigure(errors=ERRORS)
    except (ValueError, OSError):  # a closed or detached stream: nothing will be written to it
        pass


def can_show(text: str, encoding: str) -> bool:
    """Whether a stream in `encoding` can show `text` as it is."""
    if not _known(encoding):
        return True
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# ------------------------------------------------------------------ tables

Styled = tuple[str, str]  # (text, Rich style)


@dataclass(frozen=True)
class Bar:
    """A horizontal bar for `value` (signed), full at `scale`, `width` cells wide in a table
    (fewer if the terminal is narrow)."""

    value: float
    scale: float = 1.0
    width: int = 24
    style: str | None = None


Cell = str | Styled | Bar


@dataclass(frozen=True)
class Col:
    """A table column. `wrap`: prose, which may wrap onto several lines (words longer than the
    column fold); every other column is printed whole or the table is stacked."""

    header: str
    justify: Literal["left", "right"] = "left"
    wrap: bool = False
    ratio: int | None = None


MIN_BAR = 3  # a bar in a table shrinks to this before the table is stacked
INDENT = 2


class Terminal(Console):
    """A Rich console for a command's output (see the module's docstring): no markup, emoji codes
    or highlighting; text fitted to the stream's encoding; tables that never cut a value."""

    def __init__(self, stderr: bool = False, file: IO[str] | None = None, width: int | None = None) -> None:
        super().__init__(stderr=stderr, file=file, width=width, highlight=False, markup=False, emoji=False)

    @property
    def size(self) -> ConsoleDimensions:
        """Rich's size, except that a width below 1 (COLUMNS=0, as some CI systems set it) is
        taken as the usual 80 rather than printing nothing."""
        dims = super().size
        return dims if dims.width >= 1 else ConsoleDimensions(80, dims.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]  # a property with a setter

    # -------------------------------------------------------------- text

    def fit(self, text: str) -> str:
        """`text` as this console's stream can show it."""
        return fit(text, self.encoding)

    def render_str(
        self,
        text: str,
        *,
        style: str | Style = "",
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        highlighter: HighlighterType | None = None,
    ) -> Text:
        return super().render_str(self.fit(text), style=style, justify=justify, overflow=overflow,
                                  emoji=False, markup=False, highlight=highlight,
                                  highlighter=highlighter)

    def text(self, *parts: str | Styled) -> Text:
        """Plain and (text, style) parts joined, fitted to the stream, with no markup."""
        return Text.assemble(*(self.fit(p) if isinstance(p, str) else (self.fit(p[0]), p[1])
                               for p in parts))

    def say(self, *parts: str | Styled) -> None:
        """One line, printed as is: no markup, no highlighting, and no wrapping or cutting at the
        console width (a line longer than the terminal is wrapped by the terminal)."""
        self.print(self.text(*parts), soft_wrap=True)

    def widen(self, width: int) -> None:
        """Let a piped or captured output (not a terminal, no COLUMNS) use `width` columns
        rather than the default 80."""
        if not self.is_terminal and not (os.environ.get("COLUMNS") or "").isdigit():
            self.width = max(self.width, width)

    def bar(self, value: float, scale: float = 1.0, width: int = 40, style: str | None = None) -> Text:
        """A bar of `width` cells for |value| / scale (clamped to 0..1): eighths of a block on a
        stream that can show them, whole '#' otherwise; a negative value as a shaded (or '-') bar."""
        fraction = max(0.0, min(1.0, abs(value) / scale)) if scale > 0 else 0.0
        width = max(0, width)
        if value < 0:
            fill = SHADE if can_show(SHADE, self.encoding) else SUBSTITUTES[SHADE]
            body = fill * round(fraction * width)
            colour = "red"
        elif can_show(FULL + "".join(BLOCKS), self.encoding):
            full, part = divmod(round(fraction * width * 8), 8)
            body = FULL * full + BLOCKS[part]
            colour = "green"
        else:
            body = "#" * round(fraction * width)
            colour = "green"
        return Text(body.ljust(width), style=style or colour, no_wrap=True, overflow="crop")

    # -------------------------------------------------------------- tables

    def _cell(self, cell: Cell, col: Col, bar_width: int | None = None) -> Text:
        if isinstance(cell, Bar):
            width = cell.width if bar_width is None else min(cell.width, bar_width)
            return self.bar(cell.value, cell.scale, width, cell.style)
        text, style = (cell, "") if isinstance(cell, str) else cell
        return Text(self.fit(text), style=style, overflow="fold", no_wrap=not col.wrap)

    def _widths(self, col: Col, cells: Sequence[Cell]) -> tuple[int, int]:
        """The (narrowest, natural) content width of a column. Nothing but prose and headers may
        wrap (at spaces, and a header only where its values fit), so the narrowest width holds
        every value whole; prose needs its longest word; a bar can shrink to MIN_BAR."""
        header = self.fit(col.header)
        header_word = max((cell_len(w) for w in header.split()), default=0)
        if any(isinstance(c, Bar) for c in cells):
            full = max(c.width for c in cells if isinstance(c, Bar))
            return max(MIN_BAR, header_word), max(full, cell_len(header))
        texts = [self.fit(c if isinstance(c, str) else c[0]) for c in cells if not isinstance(c, Bar)]
        lines = [line for t in texts for line in t.splitlines() or [""]]
        natural = max([cell_len(header)] + [cell_len(line) for line in lines])
        if col.wrap:
            return max([1, header_word] + [cell_len(w) for t in texts for w in t.split()]), natural
        return max([1, header_word] + [cell_len(line) for line in lines]), natural

    def table(self, title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[Cell]], *,
              box: Box | None = boxes.HEAVY_HEAD, pad_edge: bool = True, expand: bool = False) -> None:
        """Print rows as a table when every column fits the console whole; otherwise each row as a
        block of "label: value" lines (`_stacked`).

        At its natural width the table is Rich's own. When it is too wide, each column starts at
        its narrowest (see `_widths`); the room left first brings whole columns to their natural
        width (the nearest first), and what remains is shared out one cell at a time: prose and
        headers wrap, bars shrink, and no value is cut."""
        n = len(columns)
        room = self.width - ((2 if box else 0) + (n - 1 if box else 0) + 2 * n - (0 if pad_edge else 2))
        ranges = [self._widths(col, [r[k] for r in rows]) for k, col in enumerate(columns)]
        narrow = [lo for lo, _ in ranges]
        natural = [hi for _, hi in ranges]
        if sum(narrow) > room:
            self._stacked(title, columns, rows)
            return
        widths: list[int] | None = None
        if sum(natural) > room:
            widths = list(narrow)
            spare = room - sum(widths)
            for k in sorted(range(n), key=lambda k: natural[k] - narrow[k]):  # fewest wrapped first
                if natural[k] - widths[k] <= spare:
                    spare -= natural[k] - widths[k]
                    widths[k] = natural[k]
            while spare > 0:
                short = [k for k in range(n) if widths[k] < natural[k]]
                for k in short[:spare]:
                    widths[k] += 1
                spare -= len(short[:spare])
        if box is not None and not can_show(str(box), self.encoding):
            box = Box("".join(_box_drawing(c) or c for c in str(box)), ascii=True)
        table = Table(title=self.fit(title) if title else None, title_justify="left", box=box,
                      pad_edge=pad_edge, expand=expand and widths is None)
        for k, col in enumerate(columns):
            table.add_column(self.fit(col.header), justify=col.justify, overflow="fold",
                             width=None if widths is None else widths[k],
                             ratio=col.ratio if widths is None else None)
        for row in rows:
            table.add_row(*(self._cell(c, col, None if widths is None else widths[k])
                            for k, (c, col) in enumerate(zip(row, columns, strict=True))))
        self.print(table)

    def _stacked(self, title: str | None, columns: Sequence[Col], rows: Sequence[Sequence[Cell]]) -> None:
        """Each row as a block: the first column as its heading, then one "label: value" line per
        other column, indented. A value that does not fit after its label goes on the next line;
        prose wraps at word boundaries; a bar takes the width left."""
        if title:
            self.say((title, "italic"))
        for row in rows:
            for k, (cell, col) in enumerate(zip(row, columns, strict=True)):
                indent = 0 if k == 0 else INDENT
                label = self.fit(f"{col.header}: ") if col.header else ""
                if isinstance(cell, Bar):
                    room = self.width - indent - cell_len(label)
                    if room < MIN_BAR:
                        label, room = "", self.width - indent
                    value = self.bar(cell.value, cell.scale, max(1, min(cell.width, room)), cell.style)
                    line = Text(" " * indent + label) + value
                    line.rstrip()
                    self.print(line, soft_wrap=True)
                    continue
                text, style = (cell, "bold" if k == 0 else "") if isinstance(cell, str) else cell
                fitted = self.fit(text)
                prose = col.wrap and self.width - indent >= 20
                if not label or prose or indent + cell_len(label) + cell_len(fitted) <= self.width:
                    self._line(indent, label, Text(fitted, style=style), prose)
                else:
                    self.say(" " * indent + label.rstrip())
                    self._line(indent + INDENT, "", Text(fitted, style=style), False)

    def _line(self, indent: int, label: str, value: Text, prose: bool) -> None:
        """One stacked line: prose wraps at word boundaries (its next lines indented further);
        anything else is printed whole."""
        line = Text(label) + value
        line.rstrip()
        if not prose:
            self.print(Text(" " * indent) + line, soft_wrap=True)
            return
        for k, part in enumerate(line.wrap(self, self.width - indent - INDENT, overflow="fold")):
            part.rstrip()
            self.print(Text(" " * (indent + (INDENT if k else 0))) + part, soft_wrap=True)

    def chart(self, title: str | None, rows: Sequence[tuple[str, float, str]], *, width: int = 40,
              scale: float = 1.0, style: str = "cyan") -> None:
        """A bar chart: label, bar, figure per row. The bars take the width there is (at most
        `width`); the labels and figures are never cut: on a terminal too narrow for a row, the
        label goes on its own line above the bar and figure."""
        if title:
            self.say((title, "italic"))
        labels = [self.fit(label) for label, _, _ in rows]
        figures = [self.fit(figure) for _, _, figure in rows]
        label_w = max((cell_len(x) for x in labels), default=0)
        figure_w = max((cell_len(x) for x in figures), default=0)
        room = min(width, self.width - label_w - figure_w - 2)
        stacked = room < MIN_BAR
        if stacked:
            room = min(width, self.width - INDENT - figure_w - 1)
        for label, (_, value, _), figure in zip(labels, rows, figures, strict=True):
            bar = self.bar(value, scale, room, style) if room > 0 else Text()
            figure_text = Text(" " * (figure_w - cell_len(figure)) + figure, no_wrap=True)
            if stacked:
                self.say(label)
                line = Text(" " * INDENT) + bar + (Text(" ") if room > 0 else Text()) + figure_text
            else:
                line = Text(label + " " * (label_w - cell_len(label) + 1)) + bar + Text(" ") + figure_text
            self.print(line, soft_wrap=True)
