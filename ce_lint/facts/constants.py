"""Values built only from literals, as the numerics bound them (bounds.py): numbers, lists of
them, evenly spaced ranges (`np.arange(-6, 6, 0.01)`), and what a value tagged with bounds holds."""

from __future__ import annotations

from ..vocab import arrays
from ..vocab.symbols import Conversion, Range
from . import bounds
from .bounds import Bounds
from .plugin import Args
from .values import Const, Ext, Seq, Value, literal

_LARGEST = 1e300  # a literal beyond it is not a number the analysis reasons about


def bounds_of(value: Value) -> Bounds | None:
    """The bounds of a value built only from literals (None: it isn't one, or it can't be bounded)."""
    info = value.numeric()
    if info is not None:
        return info.bounds if info.kind == "bounded" else None
    if isinstance(value, Const):
        number = value.value
        if not isinstance(number, (int, float)) or abs(number) > _LARGEST:
            return None
        return Bounds(float(number), float(number))
    if isinstance(value, Seq):
        parts = [bounds_of(item) for item in value.items]
        return bounds.joined([p for p in parts if p is not None]) if None not in parts else None
    return None


def spanned(span: Range, args: Args) -> Bounds | None:
    """The numbers of `arange(start, stop, step)` or `linspace(start, stop, num)` with literal arguments."""
    def number(index: int | None, name: str | None) -> float | None:
        found = literal(args.get(index, name))
        if not isinstance(found, (int, float)) or isinstance(found, bool) or abs(found) > _LARGEST:
            return None
        return float(found)

    if args.starred or not full_precision(args, None):
        return None
    start: float | None
    spacing: float | None
    if span.by == "step" and len(args.pos) == 1 and not args.kw:  # arange(stop)
        start, stop, spacing = 0.0, number(0, None), 1.0
    else:
        start, stop = number(span.start.index, span.start.name), number(span.stop.index, span.stop.name)
        given = args.has(span.spacing.index, span.spacing.name)
        spacing = number(span.spacing.index, span.spacing.name) if given else span.default
    if start is None or stop is None or spacing is None:
        return None
    return bounds.spanned(start, stop, spacing, span.by)


def full_precision(args: Args, conversion: Conversion | None) -> bool:
    """The call's dtype, if it gives one, keeps literal numbers as they are (not float16, not int)."""
    where = conversion.dtype_arg if conversion is not None else None
    index, name = (where.index, where.name) if where is not None else (None, "dtype")
    if not args.has(index, name):
        return True
    dtype = args.get(index, name)
    if isinstance(dtype, Const):
        return dtype.value in arrays.FULL_PRECISION
    return isinstance(dtype, Ext) and dtype.qname.rsplit(".", 1)[-1] in arrays.FULL_PRECISION
