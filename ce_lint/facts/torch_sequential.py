"""`nn.Sequential` as facts/torch.py builds it: its modules from the arguments (`*layers` spliced in,
as containers.py counts them) or an OrderedDict's values, grown by `add_module`/`append` like a list.
Where the modules can't be counted only the last ones are known, and the last one decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..vocab import torch as tv
from .plugin import Args
from .torch_values import TLayer
from .values import Mapping, Seq, Value

if TYPE_CHECKING:
    from .evaluator import Evaluator


def modules_of(ev: Evaluator, args: Args, call: cst.Call) -> Seq:
    """A Sequential's modules: its arguments (`*layers` spliced in), or an OrderedDict's values."""
    if args.kw or (args.starred and not args.spread):
        return ev.new_list([], call, open_=True)  # **kwargs: nothing known
    first = args.pos[0][0] if len(args.pos) == 1 and not args.spread else None
    if isinstance(first, Mapping):  # nn.Sequential(OrderedDict([("fc", ...), ("act", ...)]))
        return ev.new_list(list(first.items.values()), call)
    items: list[Value] = []
    counted = True
    spreads = dict(args.spread)
    for i in range(len(args.pos) + 1):
        if i in spreads:
            counted = ev.spread(items, spreads[i]) and counted
        if i < len(args.pos):
            items.append(args.pos[i][0])
    return ev.new_list(items, call, open_=not counted)


def grow(ev: Evaluator, layer: TLayer, layers: Seq, name: str, call: cst.Call, args: Args) -> Value | None:
    """`seq.add_module("fc", nn.Linear(...))`, `seq.append(...)`: the Sequential grows like a list."""
    if name == tv.ADD_MODULE:
        module = args.get(tv.ADD_MODULE_ARG.index, tv.ADD_MODULE_ARG.name)
        return ev.mutate_list(layers, "append", call, Args(pos=[(module, call)]))
    if name in tv.SEQUENTIAL_GROWS:
        ev.mutate_list(layers, name, call, args)
        return layer
    return None
