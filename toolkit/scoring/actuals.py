"""Reading actual values and ratings (ACTUALS CSV/XLSX in the long layout, or filled KPI forms), strictly.

The layout is documented in the README (scoring engine, contracts 2 and 3). Every problem is reported with the file, the
spreadsheet row (header = row 1) and the column, all at once; the input file is only read. Empty actuals are kept
as missing (NaN) — scoring reports them and never treats them as 0.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.model.errors import Finding, InputError
from toolkit.model.messages import t

__all__ = ["ALIASES", "COLUMNS", "read_actuals", "read_form_workbook", "read_table", "validate_actuals"]

COLUMNS = ["employee", "role", "indicator", "period", "actual", "rating", "rater_kind", "rater"]
REQUIRED = ["employee", "indicator", "period"]
RATER_KINDS = ("supervisor", "self", "peer", "subordinate", "customer")
ALIASES = {
    "员工编号": "employee", "员工": "employee", "工号": "employee", "岗位": "role", "指标": "indicator",
    "指标编号": "indicator", "期间": "period", "考核期间": "period", "实际值": "actual", "完成值": "actual",
    "评分": "rating", "评价人类型": "rater_kind", "评价人": "rater",
}
PERIOD_RE = r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?"


def _norm_header(h: Any) -> str:
    s = str(h if h is not None else "").strip().lstrip("\ufeff").lstrip("#")
    return ALIASES.get(s, s.lower())


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (dt.date, dt.datetime)):  # a period typed into a cell Excel turned into a date
        return f"{v.year}-{v.month:02d}"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_form_workbook(path: Path) -> pd.DataFrame | None:
    """Rows from the KPI-form sheets of a workbook (contract 3), or ``None`` when it has no form sheet.

    The ``_where`` column holds the sheet name and row number for error messages. A filled form is read back
    by its ``#`` markers, not by cell positions, so a form whose layout changes is still read.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import Workbook
    >>> with tempfile.TemporaryDirectory() as d:
    ...     wb = Workbook()
    ...     wb.active.title = "CC003"
    ...     for row in [["#employee", "CC003"], ["#period", "2026-01"], ["#role", "ad_placement"], [],
    ...                 ["#indicator", "#actual"], ["ctr", 2.1], ["roas", None]]:
    ...         wb.active.append(row)
    ...     wb.save(Path(d) / "form.xlsx")
    ...     rows = read_form_workbook(Path(d) / "form.xlsx")
    ...     Workbook().save(Path(d) / "empty.xlsx")
    ...     print(read_form_workbook(Path(d) / "empty.xlsx"))
    None
    >>> rows[["employee", "period", "indicator", "actual", "_where"]].values.tolist()
    [['CC003', '2026-01', 'ctr', '2.1', 'CC003!row 6'], ['CC003', '2026-01', 'roas', '', 'CC003!row 7']]
    """
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=False, data_only=True)
    rows: list[dict[str, Any]] = []
    found = False
    for ws in wb.worksheets:
        meta: dict[str, str] = {}
        header_row, cols = None, {}
        for row in ws.iter_rows():
            first = _cell_text(row[0].value) if row else ""
            if first in ("#employee", "#period", "#role") and len(row) > 1:
                meta[first[1:]] = _cell_text(row[1].value)
                continue
            texts = [_cell_text(c.value) for c in row]
            if "#indicator" in texts and "#actual" in texts:
                header_row = row[0].row
                cols = {tx[1:]: i for i, tx in enumerate(texts) if tx.startswith("#")}
                break
        if header_row is None or "employee" not in meta:
            continue
        found = True
        for row in ws.iter_rows(min_row=header_row + 1):
            vals = [c.value for c in row]
            ind = _cell_text(vals[cols["indicator"]]) if cols["indicator"] < len(vals) else ""
            if not ind:
                break
            rec = {k: _cell_text(vals[i]) if i < len(vals) else "" for k, i in cols.items()}
            rec.update({"employee": meta.get("employee", ""), "period": meta.get("period", ""),
                        "role": meta.get("role", ""), "indicator": ind})
            rec["_where"] = f"{ws.title}!row {row[0].row}"
            by_rater = {k.split(":", 1)[1]: rec.pop(k) for k in [k for k in rec if k.startswith("rating:")]}
            if any(by_rater.values()):  # a multi-rater form: one rating row per rater group that rated
                rows += [dict(rec, actual="", rating=v, rater_kind=kind) for kind, v in by_rater.items() if v]
                continue
            rows.append(rec)
    if not found:
        return None
    df = pd.DataFrame(rows)
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = ""
    return df


def _col_letter(j: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 → A, 26 → AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _read_csv_columnar(data: bytes) -> pd.DataFrame | None:
    r"""A well-formed CSV read by pyarrow's columnar parser (a million rows in a fraction of a second), or
    ``None`` — pyarrow not installed, or anything unusual (a NUL, bad UTF-8, a ragged row, a quoted line break, a
    repeated header) — so that :func:`_read_csv` reads it the careful way and reports what is wrong, located.

    >>> _read_csv_columnar(b"\xef\xbb\xbfemployee,actual\nCC001,\nCC002,1.5\n").values.tolist()
    [['CC001', ''], ['CC002', '1.5']]
    >>> _read_csv_columnar(b"employee,actual\nCC001,1,2\n") is None   # a ragged row: the careful path says where
    True
    """
    import csv
    import importlib.util
    import io

    if importlib.util.find_spec("pyarrow") is None or b"\x00" in data or not data.strip():
        return None
    try:
        first = data[: data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8-sig")
        header = next(csv.reader([first]))
        if len(set(header)) != len(header) or '"' in first:
            return None
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, engine="pyarrow")
    except Exception:  # noqa: BLE001 - any parser complaint: the careful path reports it
        return None
    if list(raw.columns) != [h.lstrip("\ufeff") for h in header]:
        return None
    return raw.fillna("")


def _read_csv(p: Path) -> pd.DataFrame:
    """A CSV as text; an empty file, bad encoding or a row with too many fields is a located InputError."""
    import csv
    import io

    data = p.read_bytes()
    fast = _read_csv_columnar(data)
    if fast is not None:
        return fast
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(t("scoring.not_utf8"), location=str(p), hint=t("scoring.not_utf8.hint")) from exc
    if not text.strip():
        raise InputError(t("scoring.empty_file"), location=str(p), hint=t("scoring.no_rows.hint"))
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(t("scoring.nul_in_file"), location=f"{p.name}: row {line}",
                         hint=t("scoring.not_utf8.hint"))
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
        for n, row in enumerate(rows, 2):
            if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
                raise InputError(t("scoring.ragged_row", n=len(row), header=len(header)),
                                 location=f"{p.name}: row {n}", hint=t("scoring.ragged_row.hint"))
    except csv.Error as exc:
        raise InputError(t("scoring.bad_csv", detail=str(exc).strip()), location=str(p)) from exc
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except pd.errors.EmptyDataError as exc:
        raise InputError(t("scoring.empty_file"), location=str(p), hint=t("scoring.no_rows.hint")) from exc
    except pd.errors.ParserError as exc:
        raise InputError(t("scoring.bad_csv", detail=str(exc).strip()), location=str(p)) from exc
    return raw.fillna("")


def _check_sheet(p: Path) -> None:
    """The long-layout sheet must not hide values: merged cells over data, or formulas with no saved value."""
    from openpyxl import load_workbook

    try:
        ws = load_workbook(p, read_only=False, data_only=False).worksheets[0]
        cached = load_workbook(p, read_only=True, data_only=True).worksheets[0]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        return  # pandas has read it already; nothing more to find
    for rng in ws.merged_cells.ranges:
        if rng.max_row >= 2:
            raise InputError(t("scoring.merged_cells", cells=rng.coord), location=f"{p.name}: {rng.coord}",
                             hint=t("scoring.merged_cells.hint"))
    formulas = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.data_type == "f"]
    if formulas:
        values = {(r, c): v for r, row in enumerate(cached.iter_rows(values_only=True), 1)
                  for c, v in enumerate(row, 1)}
        for r, c in formulas:
            if values.get((r, c)) is None:
                where = f"{_col_letter(c - 1)}{r}"
                raise InputError(t("scoring.formula_no_value", cell=where), location=f"{p.name}: row {r}, cell {where}",
                                 hint=t("scoring.formula_no_value.hint"))


def read_table(path: str | Path) -> tuple[pd.DataFrame, str]:
    """Raw rows of an ACTUALS file as text, with a ``_where`` column (``row 5``); headers normalised.

    Everything stays text until :func:`validate_actuals`, so that a bad cell is reported as typed, at its row.
    Returns the rows and the layout, ``"long"`` or ``"form"``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "a.csv").write_text("\\ufeff员工编号,指标,期间,实际值\\nCC003,ctr,2026-01,2.1\\n"
    ...                                        "CC003,roas,2026-01,\\n", encoding="utf-8")
    ...     raw, layout = read_table(Path(d) / "a.csv")
    >>> layout, raw.columns.tolist()
    ('long', ['employee', 'indicator', 'period', 'actual', '_where'])
    >>> raw.values.tolist()
    [['CC003', 'ctr', '2026-01', '2.1', 'row 2'], ['CC003', 'roas', '2026-01', '', 'row 3']]
    """
    p = Path(path)
    if not p.exists():
        raise InputError(t("scoring.file_missing"), location=str(p))
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            forms = read_form_workbook(p)
            if forms is not None:
                return forms, "form"
            raw = pd.read_excel(p, sheet_name=0, dtype=object, header=0)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:  # not a workbook, or a damaged one
            raise InputError(t("scoring.bad_xlsx", detail=str(exc).strip() or type(exc).__name__), location=str(p),
                             hint=t("scoring.bad_suffix.hint")) from exc
        raw = raw.map(_cell_text)
        _check_sheet(p)
    elif suffix in (".csv", ".txt"):
        raw = _read_csv(p)
    else:
        raise InputError(t("scoring.bad_suffix", suffix=suffix or "—"), location=str(p),
                         hint=t("scoring.bad_suffix.hint"))
    raw.columns = [_norm_header(c) for c in raw.columns]
    names = pd.Index(raw.columns)
    if names.duplicated().any():  # `actual` and `实际值` both: which one is meant? never drop one silently
        j = int(np.flatnonzero(names.duplicated())[0])
        first = int(np.flatnonzero(names == names[j])[0])
        raise InputError(t("scoring.duplicate_column", a=_col_letter(first), b=_col_letter(j), name=names[j]),
                         location=f"{p.name}: row 1, column {names[j]}", hint=t("scoring.duplicate_column.hint"))
    raw["_where"] = _row_labels(raw)
    return raw, "long"


def _row_labels(raw: pd.DataFrame) -> Any:
    """``row 2``, ``row 3`` … (each data row's spreadsheet row), built by pyarrow when the text columns are its own.

    >>> list(_row_labels(pd.DataFrame({"a": ["x", "y"]}))), list(_row_labels(pd.DataFrame({"a": [1, 2]})))
    (['row 2', 'row 3'], ['row 2', 'row 3'])
    """
    n = len(raw)
    like = raw.iloc[:, 0] if raw.shape[1] else None
    if like is not None and isinstance(like.dtype, pd.StringDtype) and like.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        labels = pc.binary_join_element_wise("row ", pa.array(np.arange(2, n + 2)).cast(pa.string()), "")
        return pd.Series(labels, dtype=like.dtype, index=raw.index)
    return [f"row {i + 2}" for i in range(n)]


#: a number as typed: thousands commas only in groups of three (1,234.5), a decimal point, an optional %
_NUMBER_RE = r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?"


def _per_value(col: pd.Series, func: Any) -> pd.Series:
    """``func`` (Series → Series, element-wise) computed once per distinct value of a text column.

    An actuals column repeats few values a million times (employee ids, indicators, periods, ratings), so this
    is the same result as ``func(col)`` at a fraction of the cost. Columns that are not all text (rows built in
    memory may hold ints) are passed to ``func`` whole: factorising would merge ``1``, ``1.0`` and ``True``.

    >>> _per_value(pd.Series(["a", "b", "a"], index=[5, 6, 7]), lambda s: s.str.upper()).to_dict()
    {5: 'A', 6: 'B', 7: 'A'}
    """
    if len(col) < 512 or pd.api.types.infer_dtype(col, skipna=False) not in ("string", "empty"):
        return func(col)
    if isinstance(col.dtype, pd.StringDtype) and not col.hasnans:
        # a text column (pandas' pyarrow-backed str): factorised and taken back without a Python string per row
        codes, uniques = pd.factorize(col)
        values = func(pd.Series(uniques.array))
        if values.dtype == col.dtype and values.equals(pd.Series(uniques.array)):
            return col  # nothing to change (the usual case for clean text): no second copy of the column
        return values.take(codes).set_axis(col.index)
    codes, uniques = pd.factorize(col.to_numpy(dtype=object))
    values = func(pd.Series(uniques, dtype=object)).to_numpy()
    return pd.Series(values[codes], index=col.index)


def _text(col: pd.Series) -> pd.Series:
    """Cells as trimmed text, full-width digits, points and percent signs (１．４４, ８５％) folded to ASCII (NFKC)."""
    return col.map(_cell_text).str.normalize("NFKC").str.strip()


def _numbers(col: pd.Series, percent: bool = True) -> pd.Series:
    """Numbers from text; NaN where the text is not a finite number ("1,44" and "inf" are not numbers).

    >>> _numbers(pd.Series(["1,234.5", "85%", "1,44%", "inf", "1e400", "", "-3"])).tolist()
    [1234.5, 85.0, nan, nan, nan, nan, -3.0]
    """
    text = col.astype(str)
    ok = text.str.fullmatch(_NUMBER_RE) & text.str.contains(r"\d", regex=True)
    if not percent:
        ok &= ~text.str.endswith("%")
    value = pd.to_numeric(text.where(ok, "").str.replace(",", "", regex=False).str.rstrip("%"), errors="coerce")
    return value.where(np.isfinite(value.to_numpy(dtype=float)))


def _infinite(col: pd.Series) -> pd.Series:
    """Text that reads as a number too large for any indicator (inf, 1e400): refused, never scored 120."""
    text = col.astype(str).str.replace(",", "", regex=False).str.rstrip("%").str.strip()
    value = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?(inf|infinity|\d+(\.\d*)?([eE][+-]?\d+)?)",
                                                         case=False), ""), errors="coerce")
    return pd.Series(np.isinf(value.to_numpy(dtype=float)), index=col.index)


def validate_actuals(raw: pd.DataFrame, eng: Any, table: pd.DataFrame, file: str = "actuals") -> pd.DataFrame:
    """Check every row against the engagement and return typed rows (columns :data:`COLUMNS` + ``where``).

    Raises :class:`InputError` listing every problem (file, row, column) when anything is wrong, so that the
    user fixes the file in one pass; an empty actual stays missing (NaN), never 0.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> from toolkit.scheme.resolve import resolve_scheme
    >>> from toolkit.scoring.rules import indicator_table
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> table = indicator_table(resolve_scheme(eng))
    >>> raw = pd.DataFrame({"employee": ["CC003"] * 3, "indicator": ["ctr", "roas", "creative_brand_fit"],
    ...                     "period": ["2026-01"] * 3, "actual": ["２.１", "", ""], "rating": ["", "", "4"]})
    >>> typed = validate_actuals(raw, eng, table)   # the full-width ２.１ typed with a Chinese IME reads 2.1
    >>> typed["actual"].tolist(), typed["rating"].tolist(), set(typed["role"]), set(typed["rater_kind"])
    ([2.1, nan, nan], [nan, nan, 4.0], {'ad_placement'}, {'supervisor'})
    >>> bad = pd.DataFrame({"employee": ["CC999", "CC003"], "indicator": ["ctr", "ctr"],
    ...                     "period": ["2026-01", "2026-13"], "actual": ["2.1", "1,44"]})
    >>> try:
    ...     validate_actuals(bad, eng, table, file="a.csv")
    ... except InputError as exc:
    ...     for f in exc.findings:
    ...         print(f.code, "|", f.location)
    scoring.unknown_employee | a.csv: row 2, column employee
    scoring.bad_period | a.csv: row 3, column period
    scoring.decimal_comma | a.csv: row 3, column actual
    """
    findings: list[Finding] = []
    if len(raw) == 0:
        raise InputError(t("scoring.no_rows"), location=f"{file}: row 2", hint=t("scoring.no_rows.hint"))
    if "_where" not in raw.columns:  # rows made in memory (e.g. simulated): number them as a CSV file would
        raw = raw.assign(_where=[f"row {i + 2}" for i in range(len(raw))])

    def bad(mask: Any, col: str, key: str, hint_key: str | None = None, **kw: Any) -> None:
        code = key
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            row = raw.iloc[i]
            extra = {k: row.get(k, "") for k in ("employee", "role", "indicator", "period", "actual", "rating",
                                                   "rater_kind")}
            findings.append(Finding("error", code, f"{file}: {row['_where']}, column {col}",
                                    t(key, **extra, **kw), t(hint_key, **extra, **kw) if hint_key else ""))

    def grouped(mask: Any, col: str, key: str, hint_key: str | None = None, **kw: Any) -> None:
        """One finding per distinct bad value (a wrong employee id on 60 rows is one mistake, not 60)."""
        m = np.asarray(mask, dtype=bool)
        if not m.any():
            return
        sub = df.loc[m, [col, "_where"]]
        for value, wheres in sub.groupby(col, sort=False)["_where"]:
            rows = list(wheres)
            row = df.loc[wheres.index[0]]
            extra = {k: row.get(k, "") for k in ("employee", "role", "indicator", "period")}
            shown = ", ".join(rows[:3]) + (" …" if len(rows) > 3 else "")
            findings.append(Finding("error", key, f"{file}: {rows[0]}, column {col}",
                                    t(key, **extra, **kw) + t("scoring.rows_affected", n=len(rows), rows=shown),
                                    t(hint_key, **extra, **kw) if hint_key else ""))

    emp_role = {e.id: e.role for e in eng.employees}
    roles = {r.id for r in eng.roles}
    missing_cols = [c for c in REQUIRED if c not in raw.columns]
    if not missing_cols:
        # which value columns the rows of this file need: `actual` for measured indicators, `rating` for rated
        def cells(c: str) -> pd.Series:
            return _per_value(raw[c], lambda s: s.map(_cell_text))
        here = cells("role") if "role" in raw.columns else pd.Series("", index=raw.index)
        here = here.where(here != "", cells("employee").map(emp_role)).fillna("")
        kinds = (table.set_index(["role", "indicator"])["rule_type"].astype(str)
                 .reindex(pd.MultiIndex.from_arrays([here, cells("indicator")])).dropna())
        if not len(kinds):  # nothing known about these rows: at least one value column
            if not ({"actual", "rating"} & set(raw.columns)):
                missing_cols.append("actual")
        else:
            if "actual" not in raw.columns and (kinds != "rating").any():
                missing_cols.append("actual")
            if "rating" not in raw.columns and (kinds == "rating").any():
                missing_cols.append("rating")
    if missing_cols:
        raise InputError(t("scoring.missing_column", cols=", ".join(missing_cols), file=file),
                         location=f"{file}: row 1, column {missing_cols[0]}", hint=t("scoring.missing_column.hint"))
    df = raw.copy(deep=False)  # columns are replaced, never changed in place: no second copy of a million rows
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = ""
        # full-width digits, points and percent signs typed with a Chinese IME (１．４４, ８５％) → ASCII
        df[c] = _per_value(df[c], _text)
    # an employee id as the engagement spells it, matched the same way (an id with a full-width character)
    canon = {unicodedata.normalize("NFKC", e.id).strip(): e.id for e in eng.employees}
    df["employee"] = _per_value(df["employee"], lambda s: s.map(lambda v: canon.get(v, v)))
    if emp_role:
        bad(df["employee"] == "", "employee", "scoring.empty_employee", "scoring.empty_employee.hint")
        unknown = ~df["employee"].isin(list(emp_role)) & (df["employee"] != "")
        grouped(unknown, "employee", "scoring.unknown_employee", "scoring.unknown_employee.hint",
                known=", ".join(list(emp_role)[:8]) + (" …" if len(emp_role) > 8 else ""))
        role_of = _per_value(df["employee"], lambda s: s.map(emp_role))
        no_role = (df["role"] == "").to_numpy()
        if no_role.any():
            df["role"] = np.where(no_role, role_of.fillna(""), df["role"])
        mismatch = ~unknown & (df["employee"] != "") & df["role"].isin(list(roles)) & (df["role"] != role_of)
        bad(mismatch, "role", "scoring.role_mismatch")
    else:
        bad(df["employee"] == "", "employee", "scoring.empty_employee")
    unknown_role = ~df["role"].isin(list(roles))
    if emp_role:
        unknown_role &= df["employee"].isin(list(emp_role))
    grouped(unknown_role, "role", "scoring.unknown_role", known=", ".join(sorted(roles)))

    spec = table.set_index(["role", "indicator"])
    key = pd.MultiIndex.from_arrays([df["role"], df["indicator"]])
    at = spec.index.get_indexer(key)  # the row of each (role, indicator) in the table; -1 when unknown
    pair_ok = at >= 0
    role_known = df["role"].isin(list(roles)).to_numpy()
    grouped(~pair_ok & role_known, "indicator", "scoring.unknown_indicator", "scoring.unknown_indicator.hint")

    bad(~_per_value(df["period"], lambda s: s.str.fullmatch(PERIOD_RE)).astype(bool), "period", "scoring.bad_period", "scoring.bad_period.hint")

    kinds = df["rater_kind"].replace("", "supervisor")
    bad(~kinds.isin(RATER_KINDS), "rater_kind", "scoring.bad_rater_kind", known=", ".join(RATER_KINDS))
    df["rater_kind"] = kinds

    actual = _per_value(df["actual"], _numbers).astype(float)
    comma = df["actual"].str.contains(",", regex=False)  # "1,44%": a decimal comma, never read as 144
    inf_actual = _per_value(df["actual"], _infinite).astype(bool)
    bad((df["actual"] != "") & actual.isna() & ~inf_actual & ~comma, "actual", "scoring.not_number",
        "scoring.not_number.hint")
    bad(actual.isna() & comma, "actual", "scoring.decimal_comma", "scoring.decimal_comma.hint")
    bad(inf_actual, "actual", "scoring.not_finite", "scoring.not_finite.hint")
    rating = _per_value(df["rating"], lambda s: _numbers(s, percent=False)).astype(float)
    inf_rating = _per_value(df["rating"], _infinite).astype(bool)
    bad((df["rating"] != "") & rating.isna() & ~inf_rating, "rating", "scoring.not_number",
        "scoring.not_number.hint")
    bad(inf_rating, "rating", "scoring.not_finite", "scoring.not_finite.hint")

    rtype = spec["rule_type"].reindex(key).to_numpy()
    spec_levels = np.array([getattr(r, "levels", np.nan) if r is not None and getattr(r, "type", "") == "rating"
                            else np.nan for r in spec["rule"].to_numpy()] + [np.nan], dtype=float)
    levels = spec_levels[at]  # -1 (unknown pair) takes the trailing NaN
    is_rating = rtype == "rating"
    # a rated indicator takes its rating from `rating`, or from `actual` when a form put it there
    rating = np.where(is_rating & rating.isna().to_numpy(), actual.to_numpy(), rating.to_numpy())
    actual = np.where(is_rating, np.nan, actual.to_numpy())
    rating_col = np.where(df["rating"] != "", "rating", "actual")
    given = is_rating & ~np.isnan(rating)
    out_of_scale = given & ((rating < 1) | (rating > levels))
    not_whole = given & ~out_of_scale & (rating != np.round(rating))
    for i in np.flatnonzero(out_of_scale | not_whole):
        row = raw.iloc[i]
        code = "scoring.rating_scale" if out_of_scale[i] else "scoring.rating_whole"
        findings.append(Finding("error", code, f"{file}: {row['_where']}, column {rating_col[i]}",
                                t(code, value=_cell_text(rating[i]), levels=int(levels[i]),
                                  indicator=df["indicator"].iat[i]), t("scoring.rating_scale.hint",
                                                                       levels=int(levels[i]))))
    allow_neg = (spec["allow_negative"].reindex(key).fillna(True).to_numpy(dtype=bool)
                 if "allow_negative" in spec.columns else np.ones(len(df), dtype=bool))
    bad(~is_rating & pair_ok & ~allow_neg & (np.nan_to_num(actual, nan=0.0) < 0), "actual",
        "scoring.negative_actual", "scoring.negative_actual.hint")
    bad(~is_rating & pair_ok & (df["rating"] != ""), "rating", "scoring.rating_not_rated")

    dup_key = ["employee", "indicator", "period", "rater_kind", "rater"]
    dup = df.duplicated(dup_key, keep="first")  # a repeat of an earlier row (the first one is not reported)
    first_where = (df.groupby(dup_key, sort=False)["_where"].transform("first") if dup.any()
                   else pd.Series("", index=df.index))
    for i in np.flatnonzero(dup.to_numpy()):
        row = raw.iloc[i]
        findings.append(Finding("error", "scoring.duplicate", f"{file}: {row['_where']}, column employee",
                                t("scoring.duplicate", first=first_where.iat[i], employee=df["employee"].iat[i],
                                  indicator=df["indicator"].iat[i], period=df["period"].iat[i]),
                                t("scoring.duplicate.hint")))
    if findings:
        findings.sort(key=lambda f: _row_no(f.location))
        raise InputError(t("scoring.invalid", n=len(findings), first=findings[0].location), location=file,
                         hint=findings[0].hint, findings=findings)
    out = pd.DataFrame({
        "employee": df["employee"], "role": df["role"], "indicator": df["indicator"], "period": df["period"],
        "actual": actual.astype(float), "rating": rating.astype(float), "rater_kind": df["rater_kind"],
        "rater": df["rater"], "where": df["_where"]})
    return out.reset_index(drop=True)


def _row_no(loc: str) -> tuple[str, int]:
    m = re.search(r"row (\d+)", loc)
    return (loc.split("row")[0], int(m.group(1)) if m else 0)


def read_actuals(path: str | Path, eng: Any, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate an ACTUALS CSV/XLSX or a filled KPI form (or a folder of forms).

    The one entry point for every input layout, so that all of them are checked by the same rules.

    Examples
    --------
    >>> from toolkit.model.engagement import load_engagement
    >>> from toolkit.model.paths import samples_dir
    >>> eng = load_engagement(samples_dir() / "midsize_company" / "engagement.yaml")
    >>> a = read_actuals(samples_dir() / "midsize_company" / "actuals_2026.csv", eng)
    >>> len(a), a["employee"].nunique(), a.columns.tolist()[-3:]
    (5412, 35, ['rater_kind', 'rater', 'where'])
    >>> a.loc[0, ["employee", "indicator", "period", "where"]].tolist(), float(a.loc[0, "actual"])
    (['CC001', 'sales_target_completion', '2026-01', 'row 2'], 103.7)
    """
    from toolkit.scheme.resolve import resolve_scheme
    from toolkit.scoring.rules import indicator_table

    if table is None:
        table = indicator_table(resolve_scheme(eng))
    p = Path(path)
    files = sorted(p.glob("*.xlsx")) if p.is_dir() else [p]
    if not files:
        raise InputError(t("scoring.no_forms"), location=str(p))
    parts = []
    for f in files:
        raw, _ = read_table(f)
        parts.append(validate_actuals(raw, eng, table, file=f.name))
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
