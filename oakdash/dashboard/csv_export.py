"""CSV downloads of what a table page shows, safe to open in a spreadsheet.

Upstream text is untrusted: a cell such as ``=HYPERLINK(...)`` would run as a formula in Excel or
LibreOffice. Following OWASP's "CSV injection" advice, every text field is quoted, and a text
that could start a formula gets a leading apostrophe: one starting with ``= + - @`` (or their
full-width forms ``＝ ＋ － ＠``, or a tab / carriage return, which some spreadsheets skip), also
after leading whitespace, and also after a separator (``,`` ``;`` ``|``) or a line break inside
the text, where an import that splits cells differently would start a new one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from oakdash.oakdata.errors import InvalidParameter

# A leading tab or CR; or a formula sign at the start, after a separator or a line break,
# whitespace allowed before it.
FORMULA_START = re.compile(r"\A[\t\r]|(?:\A|[,;|\r\n])\s*[=+\-@＝＋－＠]")


def cell(value: Any) -> str | int | float:
    """One value as a CSV cell: numbers stay numbers, None is empty, text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = str(value)
    return "'" + text if FORMULA_START.search(text) else text


def wants_csv(request: HttpRequest) -> bool:
    """``?format=csv`` asks for the download; absent/empty/``html`` for the page; else a 400."""
    values = request.GET.getlist("format")
    if len(values) > 1:
        raise InvalidParameter("format", "format is given more than once")
    value = (values[0].strip().lower() if values else "") or "html"
    if value not in ("html", "csv"):
        raise InvalidParameter("format", "format must be csv (or left out for the page)")
    return value == "csv"


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download named ``filename``; a UTF-8 BOM so spreadsheets read non-ASCII text right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)  # text quoted, numbers bare
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
