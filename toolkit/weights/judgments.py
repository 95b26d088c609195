"""Reading judgments: a :class:`JudgmentSet` from matrices, triangles, (a, b, value) lists or dicts, and from
YAML / CSV / XLSX files, with every way a file can be wrong reported with its cell or line.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.errors import InputError
from toolkit.model.messages import t
from toolkit.weights.limits import check_size
from toolkit.weights.scale import RECIPROCAL_TOL, check_scale, fmt_judgment, is_missing, located, parse_value

__all__ = [
    "JudgmentSet",
    "judgment_set",
    "known_name",
    "read_judgments",
]


@dataclass(frozen=True)
class JudgmentSet:
    """Pairwise judgments over named elements, possibly from several participants, possibly incomplete.

    ``pairs`` has columns ``a, b, value, participant`` (``participant`` is ``""`` for a single decision maker)
    and ``where`` (the place each judgment was read from, for error messages). ``value`` says how much more
    important ``a`` is than ``b``.
    """

    elements: tuple[str, ...]
    pairs: pd.DataFrame
    participant_weights: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    @property
    def participants(self) -> list[str]:
        """The participants in order of first appearance ("" for unnamed judgments).

        Examples
        --------
        >>> judgment_set([("a", "b", 2, "甲"), ("a", "b", 3, "乙")]).participants
        ['甲', '乙']
        """
        return list(dict.fromkeys(self.pairs["participant"]))

    @property
    def n(self) -> int:
        """The number of elements compared.

        Examples
        --------
        >>> judgment_set([("a", "b", 2), ("b", "c", 3)]).n
        3
        """
        return len(self.elements)

    def matrix(self, participant: str | None = None) -> np.ndarray:
        """The n×n reciprocal matrix of one participant (default: the only one); NaN where a pair is unjudged.

        Examples
        --------
        >>> judgment_set([("a", "b", 2), ("b", "c", 3)]).matrix()[0].tolist()
        [1.0, 2.0, nan]
        """
        parts = self.participants
        if participant is None:
            if len(parts) > 1:
                raise InputError(t("ahp.many_participants", n=len(parts)), location=self.source,
                                 hint=t("ahp.many_participants.hint"))
            participant = parts[0] if parts else ""
        return _pairs_to_matrix(self.elements, self.pairs[self.pairs["participant"] == participant], self.source)

    def stack(self) -> np.ndarray:
        """(k, n, n): one matrix per participant, in :attr:`participants` order.

        Examples
        --------
        >>> judgment_set([("a", "b", 2, "甲"), ("a", "b", 3, "乙")]).stack()[:, 0, 1].tolist()
        [2.0, 3.0]
        """
        return np.stack([self.matrix(p) for p in self.participants]) if len(self.pairs) else np.ones((0, self.n, self.n))

    def with_pairs(self, pairs: pd.DataFrame) -> JudgmentSet:
        """The same elements, participant weights and source with other pairs (what accepted changes return).

        Examples
        --------
        >>> js = judgment_set([("a", "b", 2)])
        >>> js.with_pairs(js.pairs.assign(value=4.0)).matrix()[0, 1]
        np.float64(4.0)
        """
        return JudgmentSet(self.elements, pairs.reset_index(drop=True), dict(self.participant_weights), self.source)


def _pairs_to_matrix(elements: Sequence[str], pairs: pd.DataFrame, source: str = "") -> np.ndarray:
    n = len(elements)
    index = {e: i for i, e in enumerate(elements)}
    A = np.full((n, n), np.nan)
    np.fill_diagonal(A, 1.0)
    seen: dict[tuple[int, int], tuple[float, str]] = {}
    for a, b, v, where in zip(pairs["a"], pairs["b"], pairs["value"], pairs["where"]):
        i, j = index[a], index[b]
        if i > j:
            i, j, v = j, i, 1.0 / v
        if (i, j) in seen:
            v0, w0 = seen[(i, j)]
            if abs(math.log(v0 / v)) > RECIPROCAL_TOL:
                raise InputError(t("ahp.duplicate_pair", a=elements[i], b=elements[j], v1=fmt_judgment(v0), v2=fmt_judgment(v),
                                   first=w0), location=where or source, hint=t("ahp.duplicate_pair.hint"))
            continue
        seen[(i, j)] = (v, where)
        A[i, j], A[j, i] = v, 1.0 / v
    return A


_COL_ALIASES = {
    "a": {"a", "i", "element_a", "from", "row", "要素a", "指标a", "因素a", "比较项a", "元素a", "甲", "左"},
    "b": {"b", "j", "element_b", "to", "col", "column", "要素b", "指标b", "因素b", "比较项b", "元素b", "乙", "右"},
    "value": {"value", "judgment", "judgement", "score", "判断值", "标度", "重要性", "分值", "比较值", "判断"},
    "participant": {"participant", "expert", "rater", "who", "参与人", "专家", "评价人", "打分人", "参与者"},
}


def _canon_col(c: Any) -> str | None:
    key = str(c).strip().lower().replace(" ", "")
    for canon, names in _COL_ALIASES.items():
        if key in names:
            return canon
    return None


def known_name(name: Any, elements: Sequence[str], location: str) -> str:
    """``name`` if it is one of ``elements``, else an :class:`InputError` at ``location`` suggesting the closest name.

    Examples
    --------
    >>> known_name(" 线索量 ", ["线索量", "转化率"], "第 2 行")
    '线索量'
    """
    s = str(name).strip()
    if s in elements:
        return s
    close = difflib.get_close_matches(s, list(elements), n=1)
    hint = t("ahp.unknown_element.hint", known=t("ahp.list_sep").join(elements)) + (
        t("ahp.did_you_mean", close=close[0]) if close else "")
    raise InputError(t("ahp.unknown_element", name=s), location=location, hint=hint)


def _from_records(records: list[dict[str, Any]], elements: Sequence[str] | None, source: str,
                  participant_weights: Mapping[str, float] | None = None) -> JudgmentSet:
    """Build a set from (a, b, value, participant, where) records, validating every field."""
    if elements is None:
        order: dict[str, None] = {}
        for r in records:
            for key in ("a", "b"):
                if is_missing(r.get(key)):
                    raise InputError(t("ahp.missing_name", col=key), location=r["where"], hint=t("ahp.pairs.hint"))
                order[str(r[key]).strip()] = None
        elements = list(order)
    elements = tuple(str(e).strip() for e in elements)
    check_size(len(elements), located(source, "elements"))
    _check_unique(elements, source, lambda k: f"elements[{k}]")
    rows = []
    for r in records:
        where = r["where"]
        a = known_name(r.get("a"), elements, where)
        b = known_name(r.get("b"), elements, where)
        if a == b:
            raise InputError(t("ahp.self_pair", name=a), location=where, hint=t("ahp.self_pair.hint"))
        if is_missing(r.get("value")):
            continue  # an explicit blank: the pair is unjudged (Harker)
        v = parse_value(r["value"], where)
        check_scale(v, where)
        p = r.get("participant")
        rows.append((a, b, v, "" if is_missing(p) else str(p).strip(), where))
    pairs = pd.DataFrame(rows, columns=["a", "b", "value", "participant", "where"])
    js = JudgmentSet(elements, pairs, dict(participant_weights or {}), source)
    for p in js.participants:  # duplicate pairs with two values are found here
        js.matrix(p)
    return js


def _check_unique(names: Sequence[str], source: str, place: Any) -> None:
    """Refuse a repeated element name, naming the place of its second occurrence (``place(k)`` in ``source``)."""
    seen: dict[str, int] = {}
    for k, e in enumerate(names):
        if e in seen:
            raise InputError(t("ahp.duplicate_element", name=e), location=located(source, place(k)),
                             hint=t("ahp.duplicate_element.hint", name=e, first=place(seen[e])))
        seen[e] = k


def _num_or_none(v: Any) -> float | None:
    try:
        return parse_value(v)
    except InputError:
        return None


def _from_matrix(cells: Sequence[Sequence[Any]], elements: Sequence[str] | None, source: str,
                 cell_loc: Any = None) -> JudgmentSet:
    """Full matrix, or upper triangle (lower cells blank, or rows of decreasing length with/without diagonal)."""
    rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else None for r in cells]
    n = len(rows)
    loc = cell_loc or (lambda i, j: t("ahp.loc.cell", r=i + 1, c=j + 1))
    for i, r in enumerate(rows):
        if r is None:
            raise InputError(t("ahp.not_square", shape=f"{n}×?"), location=located(source, loc(i, 0)),
                             hint=t("ahp.not_square.hint"))
    lengths = [len(r) for r in rows]
    want = len(elements) if elements is not None else None
    if n > 1 and lengths == list(range(n, 0, -1)) and (want in (None, n)) and all(
            not is_missing(r[0]) and _num_or_none(r[0]) == 1 for r in rows):
        rows = [[None] * i + r for i, r in enumerate(rows)]          # upper triangle with diagonal
    elif lengths == list(range(n, 0, -1)) and (want == n + 1 or (want is None and n > 1)):
        rows = [[None] * i + [1] + r for i, r in enumerate(rows)] + [[None] * n + [1]]  # without diagonal
        n += 1
    elif n > 1 and lengths == list(range(n - 1, -1, -1)):
        rows = [[None] * i + [1] + r for i, r in enumerate(rows)]    # without diagonal, empty last row
    bad = [i for i, r in enumerate(rows) if len(r) != n]
    if n == 0 or bad:
        i = bad[0] if bad else 0
        raise InputError(t("ahp.not_square", shape=f"{n}×{len(rows[i]) if rows else 0}"),
                         location=located(source, loc(i, 0)), hint=t("ahp.not_square.hint"))
    check_size(n, located(source, t("ahp.loc.matrix", n=n)))
    if elements is None:
        elements = [str(k + 1) for k in range(n)]
    elements = [str(e).strip() for e in elements]
    if len(elements) != n:
        raise InputError(t("ahp.names_count", names=len(elements), n=n), location=located(source, "elements"),
                         hint=t("ahp.names_count.hint", names=len(elements), n=n))
    vals = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            c = rows[i][j]
            if is_missing(c):
                continue
            where = located(source, t("ahp.loc.pair", place=loc(i, j), a=elements[i], b=elements[j]))
            x = parse_value(c, where)
            if i == j:
                if abs(x - 1) > 1e-9:
                    raise InputError(t("ahp.diagonal", value=fmt_judgment(x)), location=where, hint=t("ahp.diagonal.hint"))
                continue
            check_scale(x, where)
            vals[i, j] = x
    records = []
    for i in range(n):
        for j in range(i + 1, n):
            up, lo = vals[i, j], vals[j, i]
            where_up = located(source, t("ahp.loc.pair", place=loc(i, j), a=elements[i], b=elements[j]))
            where_lo = located(source, t("ahp.loc.pair", place=loc(j, i), a=elements[j], b=elements[i]))
            if not np.isnan(up) and not np.isnan(lo) and abs(math.log(up * lo)) > RECIPROCAL_TOL:
                raise InputError(t("ahp.not_reciprocal", v=fmt_judgment(lo), expected=fmt_judgment(1 / up), a=elements[i],
                                   b=elements[j], up=fmt_judgment(up)), location=where_lo, hint=t("ahp.not_reciprocal.hint"))
            if not np.isnan(up):
                records.append({"a": elements[i], "b": elements[j], "value": up, "where": where_up})
            elif not np.isnan(lo):
                records.append({"a": elements[j], "b": elements[i], "value": lo, "where": where_lo})
    return _from_records(records, elements, source)


def judgment_set(obj: Any, *, elements: Sequence[str] | None = None, source: str = "") -> JudgmentSet:
    """Any in-memory form of judgments as a validated :class:`JudgmentSet`.

    Accepts a square array / nested list / DataFrame (index and columns = names; full or upper triangle), a
    list of :class:`toolkit.model.schema.Judgment`, a list of ``(a, b, value[, participant])`` tuples or dicts, or a
    dict ``{(a, b): value}``. A :class:`JudgmentSet` is returned as is.

    Examples
    --------
    >>> js = judgment_set({("线索量", "转化率"): 3})
    >>> js.elements, js.matrix().round(4).tolist()
    (('线索量', '转化率'), [[1.0, 3.0], [0.3333, 1.0]])
    """
    if isinstance(obj, JudgmentSet):
        return obj
    if isinstance(obj, pd.DataFrame):
        cols = {c: _canon_col(c) for c in obj.columns}
        if {"a", "b", "value"} <= set(cols.values()):
            df = obj.rename(columns={c: k for c, k in cols.items() if k})
            recs = [{**r, "where": t("ahp.loc.row", row=i + 1)} for i, r in enumerate(df.to_dict("records"))]
            return _from_records(recs, elements, source)
        names = elements or [str(c) for c in obj.columns]
        return _from_matrix(obj.to_numpy(dtype=object).tolist(), names, source)
    if isinstance(obj, np.ndarray):
        if obj.ndim != 2:
            raise InputError(t("ahp.not_square", shape="×".join(map(str, obj.shape))), location=source,
                             hint=t("ahp.not_square.hint"))
        return _from_matrix(obj.tolist(), elements, source)
    if isinstance(obj, Mapping):
        recs = [{"a": k[0], "b": k[1], "value": v, "where": f"({k[0]}, {k[1]})"} for k, v in obj.items()]
        return _from_records(recs, elements, source)
    if isinstance(obj, (list, tuple)):
        items = list(obj)
        if items and all(hasattr(x, "a") and hasattr(x, "b") and hasattr(x, "value") for x in items):
            recs = [{"a": x.a, "b": x.b, "value": x.value, "participant": getattr(x, "participant", None),
                     "where": t("ahp.loc.judgment", i=i)} for i, x in enumerate(items)]
            return _from_records(recs, elements, source)
        if items and all(isinstance(x, Mapping) for x in items):
            recs = []
            for i, x in enumerate(items):
                d = {(_canon_col(k) or str(k)): v for k, v in x.items()}
                recs.append({**d, "where": t("ahp.loc.judgment", i=i)})
            return _from_records(recs, elements, source)
        if items and all(isinstance(x, (list, tuple)) and len(x) in (3, 4) and isinstance(x[0], str) for x in items):
            recs = [{"a": x[0], "b": x[1], "value": x[2], "participant": x[3] if len(x) == 4 else None,
                     "where": t("ahp.loc.judgment", i=i)} for i, x in enumerate(items)]
            return _from_records(recs, elements, source)
        if not items and elements:
            return _from_records([], elements, source)
        return _from_matrix(items, elements, source)
    raise InputError(t("ahp.unreadable", kind=type(obj).__name__), location=source, hint=t("ahp.pairs.hint"))


def _excel_col(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_names(path: Path) -> list[str] | None:
    """The worksheet names of a workbook, or None when it cannot be opened as one."""
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - not a workbook: the caller reports that
        return None


def _read_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            names = _sheet_names(path)
            if names is None:
                raise InputError(t("ahp.not_workbook"), location=str(path), hint=t("ahp.not_workbook.hint"))
            if sheet is not None and str(sheet) not in names:
                k = int(sheet) if isinstance(sheet, int) or str(sheet).isdigit() else None
                if k is None or not 0 <= k < len(names):
                    raise InputError(t("ahp.sheet_missing", sheet=sheet), location=f"{path} --sheet {sheet}",
                                     hint=t("ahp.sheet_missing.hint", sheets=t("ahp.list_sep").join(names)))
                sheet = k
            return pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=None, dtype=object)
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InputError(t("file.binary"), location=str(path), hint=t("ahp.encoding.hint"))
        import csv
        import io

        rows = list(csv.reader(io.StringIO(text)))
        width = max((len(r) for r in rows), default=0)
        return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook: openpyxl/zipfile raise many kinds
        raise InputError(t("file.unreadable", reason=f"{type(exc).__name__}: {exc}"), location=str(path),
                         hint=t("ahp.not_workbook.hint")) from None


def _table_to_set(df: pd.DataFrame, path: Path) -> JudgmentSet:
    df = df.dropna(how="all").dropna(axis=1, how="all")
    df = df.map(lambda v: v.strip() if isinstance(v, str) else v)
    df = df.map(lambda v: None if isinstance(v, str) and v == "" else v)
    df = df.dropna(how="all").dropna(axis=1, how="all")
    if df.empty:
        raise InputError(t("file.empty"), location=str(path), hint=t("ahp.pairs.hint"))
    header = list(df.iloc[0])
    canon = [_canon_col(h) if h is not None else None for h in header]
    excel = path.suffix.lower() in (".xlsx", ".xlsm")
    rows_idx = list(df.index)
    cols_idx = list(df.columns)

    def cell(i: int, j: int) -> str:
        """The place of df.iloc[i, j] in the user's file: A1 in a workbook, row/column in a CSV."""
        r, c = int(rows_idx[i]), int(cols_idx[j])
        return f"{_excel_col(c)}{r + 1}" if excel else t("ahp.loc.csv_cell", row=r + 1, col=c + 1)

    found = {c for c in canon if c}
    square_names = len(df) == len(header) and [str(x).strip() for x in header[1:]] == [
        str(x).strip() for x in df.iloc[1:, 0]]  # a matrix whose elements happen to be called A, B …
    if {"a", "b"} <= found and "value" not in found and canon[0] is not None and not square_names:
        raise InputError(t("ahp.no_value_column", header=", ".join(str(h) for h in header if not is_missing(h))),
                         location=located(path.name, t("ahp.loc.header", row=int(rows_idx[0]) + 1)),
                         hint=t("ahp.no_value_column.hint"))
    if {"a", "b", "value"} <= {c for c in canon if c}:
        recs = []
        for ridx in range(1, len(df)):
            r = df.iloc[ridx]
            rec: dict[str, Any] = {c: r.iloc[k] for k, c in enumerate(canon) if c}
            row_no = int(df.index[ridx]) + 1
            rec["where"] = f"{path.name}: " + t("ahp.loc.row", row=row_no)
            recs.append(rec)
        return _from_records(recs, None, str(path))
    # a matrix: first row = names (first cell may be blank), first column = names
    names_top = [h for h in header[1:]]
    names_left = list(df.iloc[1:, 0])
    body = df.iloc[1:, 1:]
    blank = [(0, j + 1) for j, x in enumerate(names_top) if is_missing(x)] + [
        (i + 1, 0) for i, x in enumerate(names_left) if is_missing(x)]
    if blank:
        raise InputError(t("ahp.matrix_names"), location=located(path.name, cell(*blank[0])),
                         hint=t("ahp.matrix_names.hint"))
    names_top = [str(x).strip() for x in names_top]
    names_left = [str(x).strip() for x in names_left]
    if len(names_top) != len(names_left):
        raise InputError(t("ahp.not_square", shape=f"{len(names_left)}×{len(names_top)}"),
                         location=located(path.name, t("ahp.loc.names", rows=len(names_left), cols=len(names_top))),
                         hint=t("ahp.not_square.hint"))
    _check_unique(names_left, path.name, lambda k: cell(k + 1, 0))
    if names_top != names_left:
        k = next(i for i, (x, y) in enumerate(zip(names_left, names_top)) if x != y)
        raise InputError(t("ahp.names_mismatch", left=names_left[k], top=names_top[k]),
                         location=located(path.name, f"{cell(k + 1, 0)} / {cell(0, k + 1)}"),
                         hint=t("ahp.names_mismatch.hint"))

    def loc(i: int, j: int) -> str:
        return cell(i + 1, j + 1)

    return _from_matrix(body.to_numpy(dtype=object).tolist(), names_left, path.name, cell_loc=loc)


def read_judgments(path: str | Path, *, sheet: str | int | None = None) -> JudgmentSet:
    """Read judgments from a YAML, CSV or XLSX file (UTF-8 or GB18030 CSV; names may be Chinese).

    YAML: ``elements`` plus either ``matrix`` (full or upper triangle) or ``judgments`` (a list of
    ``[a, b, value]`` or ``{a, b, value, participant}``), and optionally ``participants: [{name, weight}]``.
    CSV/XLSX: a pair list with a header (a, b, value[, participant]; Chinese headers such as 要素A, 要素B, 判断值,
    参与人 work too) or a matrix with names in the first row and the first column.

    Examples
    --------
    >>> from toolkit.model.paths import samples_dir
    >>> js = read_judgments(samples_dir() / "ahp" / "drinks_matrix.yaml")
    >>> js.n, js.elements[0]
    (7, '咖啡')
    """
    p = Path(path)
    if not p.exists():
        raise InputError(t("file.missing"), location=str(p), hint=t("ahp.file.hint"))
    if p.is_dir():
        raise InputError(t("file.is_dir"), location=str(p), hint=t("ahp.file.hint"))
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        from toolkit.model.yamlio import position_of, read_yaml

        data = read_yaml(p, expect_mapping=False)
        if not isinstance(data, Mapping):
            raise InputError(t("ahp.yaml_keys"), location=str(p), hint=t("ahp.pairs.hint"))
        elements = data.get("elements")
        if elements is not None and not isinstance(elements, list):
            raise InputError(t("ahp.elements_list"), location=f"{p.name}: elements", hint=t("ahp.elements_list.hint"))

        def ypos(*path_: Any) -> str:
            pos = position_of(data, path_)
            return f" ({t('model.line_col', line=pos[0], col=pos[1])})" if pos else ""

        if elements is not None:
            check_size(len(elements), f"{p.name}: elements" + ypos("elements"))
            _check_unique([str(e).strip() for e in elements], p.name, lambda k: f"elements[{k}]" + ypos("elements", k))
        pw = {}
        for i, part in enumerate(data.get("participants") or []):
            if isinstance(part, Mapping) and "name" in part:
                w = part.get("weight", 1)
                where = f"{p.name}: participants[{i}].weight"
                if isinstance(w, bool) or not isinstance(w, (int, float)) or w <= 0:
                    raise InputError(t("ahp.bad_participant_weight", value=w), location=where,
                                     hint=t("ahp.bad_participant_weight.hint"))
                pw[str(part["name"]).strip()] = float(w)
        if "matrix" in data:
            m = data["matrix"]
            if not isinstance(m, list):
                raise InputError(t("ahp.not_square", shape="?"), location=f"{p.name}: matrix",
                                 hint=t("ahp.not_square.hint"))

            def yloc(i: int, j: int) -> str:
                pos = position_of(data, ("matrix", i, j)) or position_of(data, ("matrix", i))
                base = f"matrix[{i}][{j}]"
                return base + (f" ({t('model.line_col', line=pos[0], col=pos[1])})" if pos else "")

            js = _from_matrix(m, elements, p.name, cell_loc=yloc)
            return JudgmentSet(js.elements, js.pairs, pw, str(p))
        if "judgments" in data:
            items = data["judgments"]
            if not isinstance(items, list):
                raise InputError(t("ahp.judgments_list"), location=f"{p.name}: judgments", hint=t("ahp.pairs.hint"))
            recs = []
            for i, x in enumerate(items):
                pos = position_of(data, ("judgments", i))
                where = f"{p.name}: judgments[{i}]" + (
                    f" ({t('model.line_col', line=pos[0], col=pos[1])})" if pos else "")
                if isinstance(x, Mapping):
                    rec = {(_canon_col(k) or str(k)): v for k, v in x.items()}
                elif isinstance(x, list) and len(x) in (3, 4):
                    rec = dict(zip(("a", "b", "value", "participant"), x))
                else:
                    raise InputError(t("ahp.bad_judgment_item"), location=where, hint=t("ahp.pairs.hint"))
                rec["where"] = where
                recs.append(rec)
            return _from_records(recs, elements, str(p), pw)
        raise InputError(t("ahp.yaml_keys"), location=str(p), hint=t("ahp.pairs.hint"))
    if suffix in (".csv", ".txt", ".xlsx", ".xlsm"):
        return _table_to_set(_read_table(p, sheet), p)
    raise InputError(t("ahp.file_type", suffix=suffix or "?"), location=str(p), hint=t("ahp.file.hint"))
