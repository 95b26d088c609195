"""Safe YAML reading with positions, and round-trip writing that keeps comments and key order.

Reading never executes anything (plain maps, lists and scalars only). Every failure a user can cause becomes an
:class:`~toolkit.model.errors.InputError` naming the file, and for syntax errors the line and column.

Two loaders read the same YAML 1.2 the same way. An ordinary file is read by libyaml (PyYAML's C parser) with
ruamel's YAML 1.2 resolution rules (:func:`_fast_load`: a 5,800-employee engagement in 0.6 s, where the
round-trip loader takes 5–17 s); its root is a :class:`LoadedMap` (or :class:`LoadedSeq`) that parses the same
text with ruamel's round-trip loader only when positions or comments are asked for (:func:`position_of`,
:func:`merge_into`, :func:`dump_yaml`). Anything unusual — an alias, a tag, a merge key, a tab, a directive, a bad date, a duplicate
key, deep nesting, any parser complaint — is read by the round-trip loader as before, which refuses alias bombs
and deep nesting and locates every error.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from toolkit.model.errors import InputError
from toolkit.model.messages import t

__all__ = ["LoadedMap", "LoadedSeq", "dump_yaml", "load_yaml_text", "merge_into", "position_of", "read_yaml"]


def _yaml(sequence: int = 4, offset: int = 2) -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    y.indent(mapping=2, sequence=sequence, offset=offset)
    y.width = 120
    return y


def read_yaml(path: str | Path, *, expect_mapping: bool = True) -> Any:
    """Load a UTF-8 YAML file, turning every way it can be wrong into a located, hinted InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError(t("file.missing"), location=str(p), hint=t("file.missing.hint"))
    if p.is_dir():
        raise InputError(t("file.is_dir"), location=str(p))
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(t("file.unreadable", reason=exc.strerror or str(exc)), location=str(p)) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (Windows Notepad "Unicode"): NULs everywhere
        raise InputError(t("file.binary"), location=str(p), hint=t("file.binary.hint"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = raw.count(b"\n", 0, exc.start) + 1, exc.start - raw.rfind(b"\n", 0, exc.start)
        raise InputError(t("file.not_utf8_at", byte=f"0x{raw[exc.start]:02X}"),
                         location=f"{p}: {t('model.line_col', line=line, col=col)}",
                         hint=t("file.binary.hint")) from None
    if "\x00" in text:  # valid UTF-8, but a NUL no YAML (and no document) may hold: say where it is
        i = text.index("\x00")
        line, col = text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i)
        raise InputError(t("file.nul"), location=f"{p}: {t('model.line_col', line=line, col=col)}",
                         hint=t("file.nul.hint"))
    if not text.strip():
        raise InputError(t("file.empty"), location=str(p), hint=t("file.empty.hint"))
    try:
        fast = _fast_load(text)
    except Exception:  # noqa: BLE001 - anything unusual: the round-trip loader below reads it, or locates the error
        fast = _Unusual
    if fast is not _Unusual:
        return _checked(fast, p, expect_mapping)
    if "*" in text:  # aliases: refuse an alias bomb before anything expands it
        _check_expansion(text, p)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = str(p) + (f": {t('model.line_col', line=mark.line + 1, col=mark.column + 1)}" if mark else "")
        ctx = exc.context_mark
        if mark and ctx and ctx.line != mark.line:
            where += t("yaml.context_line", line=ctx.line + 1)
        problem, hint = _explain_yaml(str(exc.problem or ""), str(exc.context or ""))
        raise InputError(t("yaml.syntax", problem=problem), location=where, hint=hint) from None
    except YAMLError as exc:
        raise InputError(t("yaml.syntax", problem=str(exc).splitlines()[0]), location=str(p),
                         hint=t("yaml.syntax.hint")) from None
    except RecursionError:
        raise InputError(t("yaml.too_deep"), location=str(p), hint=t("yaml.too_deep.hint")) from None
    except ValueError:  # a value the YAML grammar accepts but that is not real, e.g. the date 2027-13-40
        line, col, value = _bad_date(text)
        where = str(p) + (f": {t('model.line_col', line=line, col=col)}" if line else "")
        raise InputError(t("yaml.bad_date", value=value), location=where, hint=t("yaml.bad_date.hint")) from None
    return _checked(data, p, expect_mapping)


def _checked(data: Any, p: Path, expect_mapping: bool) -> Any:
    if data is None:
        raise InputError(t("file.empty"), location=str(p), hint=t("file.empty.hint"))
    if expect_mapping and not isinstance(data, dict):
        kind = "list" if isinstance(data, list) else ("text" if isinstance(data, str) else type(data).__name__)
        raise InputError(t("yaml.not_mapping", kind=kind), location=str(p), hint=t("yaml.not_mapping.hint"))
    return data


#: most nodes a file may expand to through aliases (the mid-size sample has about 3,000)
MAX_NODES = 200_000


def _check_expansion(text: str, p: Path) -> None:
    """Refuse YAML whose aliases expand to more than :data:`MAX_NODES` nodes (a "billion laughs" bomb).

    The composed graph shares aliased nodes, so counting with a memo costs one visit per distinct node:
    milliseconds, where expanding the 1 KB bomb costs minutes and gigabytes.
    """
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    try:
        root = YAML(typ="rt").compose(text)
    except (YAMLError, RecursionError, ValueError):
        return  # the real load reports it, located
    sizes: dict[int, int] = {}
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:  # iterative post-order: deep nesting cannot overflow the Python stack
        node, done = stack.pop()
        if node is None or id(node) in sizes:
            continue
        kids: list[object] = []
        if isinstance(node, SequenceNode):
            kids = list(node.value)
        elif isinstance(node, MappingNode):
            kids = [x for pair in node.value for x in pair]
        if done or not kids:
            sizes[id(node)] = 1 + sum(sizes.get(id(k), 1) for k in kids)
            if sizes[id(node)] > MAX_NODES:
                mark = getattr(node, "start_mark", None)
                where = str(p) + (f": {t('model.line_col', line=mark.line + 1, col=mark.column + 1)}" if mark else "")
                raise InputError(t("yaml.alias_bomb", max=f"{MAX_NODES:,}"), location=where,
                                 hint=t("yaml.alias_bomb.hint"))
            continue
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)


class _Lazy:
    """The root of a file read by :func:`_fast_load`: the round-trip tree of the same text, parsed when first needed.

    Data, equality and iteration are those of the plain container; positions (:func:`position_of`) and comments
    (:func:`merge_into`, :func:`dump_yaml`) come from ruamel's round-trip tree, which a 5,800-employee file takes
    5–17 s to build — so only an error to locate or a file to save pays for it.
    """

    __slots__ = ()
    _text: str
    _rt: Any

    def roundtrip(self) -> Any:
        """The round-trip (comment- and position-keeping) tree of the file's text; ``None`` if it cannot be built."""
        if self._rt is None:
            try:
                self._rt = _yaml().load(self._text)
            except Exception:  # noqa: BLE001 - libyaml read it; positions and comments are then unknown
                self._rt = False
        return self._rt if self._rt is not False else None


class LoadedMap(_Lazy, dict):  # type: ignore[misc]
    """A mapping read from a file (see :class:`_Lazy`)."""

    __slots__ = ("_rt", "_text")


class LoadedSeq(_Lazy, list):  # type: ignore[misc]
    """A list read from a file (see :class:`_Lazy`)."""

    __slots__ = ("_rt", "_text")


class _Unusual(Exception):
    """The fast loader leaves this file to the round-trip loader."""


#: what the fast loader never reads: tabs, other line breaks, a BOM inside, directives, tags and aliases (an alias
#: bomb is refused by the round-trip path), a Windows line end is read as a line end by both loaders
_UNUSUAL = re.compile(r"[\t\r\x85\u2028\u2029\ufeff]|^%|(?:^|[\s\[{,:])(?:!|\*[^\s\[\]{},])", re.MULTILINE)
#: deepest nesting the fast loader builds (an engagement has 6); deeper files go the careful, guarded way
_FAST_DEPTH = 64
_T = "tag:yaml.org,2002:"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_FAST_LOADER: Any = None


def _fast_loader() -> Any:
    """A libyaml parser class that tags plain scalars by ruamel's YAML 1.2 rules (``yes`` is text, ``010`` is 10)."""
    global _FAST_LOADER
    if _FAST_LOADER is None:
        from ruamel.yaml.resolver import implicit_resolvers
        from yaml.cyaml import CParser  # PyYAML built with libyaml (ImportError otherwise: the careful path)
        from yaml.resolver import BaseResolver

        class _Resolver12(BaseResolver):
            pass

        for versions, tag, regexp, first in implicit_resolvers:
            if (1, 2) in versions and not tag.endswith(":yaml"):
                _Resolver12.add_implicit_resolver(tag, regexp, first)

        class _Loader(CParser, _Resolver12):  # type: ignore[misc, valid-type]
            def __init__(self, stream: str) -> None:
                CParser.__init__(self, stream)
                _Resolver12.__init__(self)

        _FAST_LOADER = _Loader
    return _FAST_LOADER


def _fast_load(text: str) -> Any:
    r"""``text`` read by libyaml with YAML 1.2 rules, exactly as the round-trip loader reads it (data, not comments).

    Raises on anything :data:`_UNUSUAL`, on any parser complaint, and on what the two could read differently (a
    tag other than the core ones, a merge key, a date with a time, a folded text whose folds it cannot place, a
    repeated key, a node reached twice, more than :data:`_FAST_DEPTH` levels): :func:`read_yaml` then reads the
    file the careful way.

    >>> d = _fast_load("a: yes\nb: 010\nc: 0x1F\nd: 1e3\ne: 2026-01-31\nf: ~\ng: [.inf, '1']\n")
    >>> d, type(d).__name__
    ({'a': 'yes', 'b': 10, 'c': 31, 'd': 1000.0, 'e': datetime.date(2026, 1, 31), 'f': None, 'g': [inf, '1']}, 'LoadedMap')
    """
    fast = text.replace("\r\n", "\n")
    if _UNUSUAL.search(fast):
        raise _Unusual("unusual")
    loader = _fast_loader()(fast)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    lines: list[str] = []
    data = _build(node, fast, lines, set(), 0) if node is not None else None
    if isinstance(data, (dict, list)):
        data = (LoadedMap if isinstance(data, dict) else LoadedSeq)(data)
        data._text, data._rt = text, None
    return data


def _build(node: Any, text: str, lines: list[str], seen: set[int], depth: int) -> Any:
    if depth > _FAST_DEPTH or id(node) in seen:
        raise _Unusual("deep or aliased")
    seen.add(id(node))
    tag, value = node.tag, node.value
    if tag == _T + "str":
        return _folded(node, text, lines) if node.style == ">" else value
    if tag == _T + "map":
        out: dict[Any, Any] = {}
        for k, v in value:
            key = _build(k, text, lines, seen, depth + 1)
            if key in out:  # the round-trip loader names the repeated key, located
                raise _Unusual("duplicate key")
            out[key] = _build(v, text, lines, seen, depth + 1)
        return out
    if tag == _T + "seq":
        return [_build(v, text, lines, seen, depth + 1) for v in value]
    if tag == _T + "int":  # as ruamel reads YAML 1.2: 0b, 0o, 0x prefixes; a leading zero is decimal
        s = value.replace("_", "")
        sign, s = (-1 if s[0] == "-" else 1), s.lstrip("+-")
        base = {"0b": 2, "0o": 8, "0x": 16}.get(s[:2])
        return sign * (int(s[2:], base) if base else int(s))
    if tag == _T + "float":
        s = value.replace("_", "").lower()
        sign, s = (-1.0 if s[0] == "-" else 1.0), s.lstrip("+-")
        return float("nan") if s == ".nan" else sign * (float("inf") if s == ".inf" else float(s))
    if tag == _T + "bool":
        return value.lower() == "true"
    if tag == _T + "null":
        return None
    if tag == _T + "timestamp" and _DATE.match(value):
        import datetime as dt

        return dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))  # 2027-13-40: ValueError, located later
    raise _Unusual(tag)


def _folded(node: Any, text: str, lines: list[str]) -> Any:
    """A ``>`` folded text as the round-trip loader makes it (with its fold positions, for :func:`unfold_cjk`).

    libyaml has already joined the lines; ruamel reads the block's own lines again to place the folds, and the
    two must agree on the text.
    """
    from ruamel.yaml.scalarstring import FoldedScalarString

    if not lines:
        lines.extend(text.split("\n"))
    start, end = node.start_mark, node.end_mark
    block = [lines[start.line][start.column:]] + lines[start.line + 1:end.line]
    if end.column and end.line < len(lines):
        block.append(lines[end.line][:end.column])
    value = _yaml().load("x: " + "\n".join(block) + "\n")["x"]
    if not isinstance(value, FoldedScalarString) or str(value) != node.value:
        raise _Unusual("fold")
    return value


_YAML_PROBLEMS = (
    ("'\\t'", "yaml.tab"),
    ("\t", "yaml.tab"),
    ("mapping values are not allowed", "yaml.mapping_values"),
    ("could not find expected ':'", "yaml.missing_colon"),
    ("expected <block end>", "yaml.block_end"),
    ("expected ',' or ']'", "yaml.flow_seq"),
    ("expected ',' or '}'", "yaml.flow_map"),
    ("end of stream", "yaml.unclosed"),
    ("found duplicate key", "yaml.duplicate_key"),
)


def _explain_yaml(problem: str, context: str) -> tuple[str, str]:
    """The parser's English words turned into the user's language, with a hint for the usual causes."""
    text = f"{context} {problem}"
    for needle, key in _YAML_PROBLEMS:
        if needle in text:
            return t(key), t(f"{key}.hint")
    return problem or context, t("yaml.syntax.hint")


def _bad_date(text: str) -> tuple[int, int, str]:
    """Find the first date-looking scalar that is not a real date (line and column are 1-based)."""
    import datetime as dt
    import re

    for n, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-])", line):
            try:
                dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return n, m.start() + 1, m.group(0)
    return 0, 0, "?"


def load_yaml_text(text: str) -> Any:
    """Round-trip load of YAML text we produced ourselves (positions kept, errors are bugs)."""
    return _yaml().load(text)


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def unfold_cjk(data: Any) -> Any:
    """A plain copy of loaded YAML in which ``>`` folded text has no fold spaces between Chinese characters.

    YAML joins the lines of a folded scalar with a space, which is right for English and wrong inside a Chinese
    sentence (“计划， 并安排”). Only the fold points are touched; spaces the user typed stay.
    """
    from ruamel.yaml.scalarstring import FoldedScalarString

    if isinstance(data, dict):
        return {k: unfold_cjk(v) for k, v in data.items()}
    if isinstance(data, list):
        return [unfold_cjk(v) for v in data]
    if isinstance(data, FoldedScalarString):
        text = str(data)
        for pos in sorted(getattr(data, "fold_pos", []) or [], reverse=True):
            if 0 < pos < len(text) - 1 and text[pos] == " " and _is_cjk(text[pos - 1]) and _is_cjk(text[pos + 1]):
                text = text[:pos] + text[pos + 1:]
        return text
    return data


def position_of(data: Any, loc: tuple[Any, ...]) -> tuple[int, int] | None:
    """1-based (line, column) of the node at ``loc`` in a round-trip-loaded document, as deep as it exists."""
    if isinstance(data, _Lazy):
        data = data.roundtrip()
    node, pos = data, None
    for key in loc:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line, col = node.lc.key(key)
                pos = (line + 1, col + 1)
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line, col = node.lc.item(key)
                pos = (line + 1, col + 1)
                node = node[key]
            else:
                break
        except (AttributeError, KeyError, TypeError):
            break
    return pos


def merge_into(target: Any, new: Any, *, keep_equal: bool = False) -> Any:
    """Update a round-trip document in place with plain data, keeping comments and order where keys survive.

    With ``keep_equal`` a scalar equal to the one it replaces (``0.5`` for ``0.50``) keeps the original's spelling,
    as if the document had been changed in place (what :func:`dump_yaml` does for a file :func:`read_yaml` read).
    """
    if isinstance(target, _Lazy):  # a file read the fast way: its round-trip tree holds the comments
        target = target.roundtrip()
        if target is None:
            return new
    if isinstance(target, CommentedMap) and isinstance(new, dict):
        for key in [k for k in target if k not in new]:
            del target[key]
        for key, value in new.items():
            if key in target:
                target[key] = merge_into(target[key], value, keep_equal=keep_equal)
            else:
                target[key] = value
        return target
    if isinstance(target, CommentedSeq) and isinstance(new, list):
        for i, value in enumerate(new[: len(target)]):
            target[i] = merge_into(target[i], value, keep_equal=keep_equal)
        del target[len(new):]
        target.extend(new[len(target):])
        return target
    if isinstance(target, str) and isinstance(new, str) and unfold_cjk(target) == new:
        return target  # unchanged text keeps its folding style
    if keep_equal and _same_scalar(target, new):
        return target
    return new


def _same_scalar(old: Any, new: Any) -> bool:
    """``new`` is the value ``old`` (a round-trip scalar: ScalarFloat is a float, a bool is not an int) stands for."""
    if isinstance(old, (dict, list)) or isinstance(new, (dict, list)) or isinstance(old, bool) != isinstance(new, bool):
        return False
    return (isinstance(old, type(new)) or type(old) is type(new)) and old == new


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def dump_yaml(data: Any) -> str:
    """Dump, keeping comments; the text is read back and must mean the same data, else comments are dropped.

    ruamel can misplace a comment that sits between a key and its first list item when the file's indentation
    style differs from ours; a file we write must never be invalid, so each style is verified before use.
    """
    if isinstance(data, _Lazy):  # as read by read_yaml, perhaps changed since: into its round-trip tree
        data = merge_into(data, data, keep_equal=True)
    expected = _plain(data)
    for sequence, offset in ((4, 2), (2, 0)):
        buf = io.StringIO()
        _yaml(sequence, offset).dump(data, buf)
        text = buf.getvalue()
        try:
            if _plain(YAML(typ="safe", pure=True).load(text)) == expected:
                return text
        except YAMLError:
            continue
    buf = io.StringIO()
    _yaml().dump(expected, buf)  # plain data: no comments, always valid
    return buf.getvalue()
