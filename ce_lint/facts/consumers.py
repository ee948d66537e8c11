"""Where a value goes: the uses of an expression, followed through the names it is assigned to,
over the syntax tree of its scope. For the numerics: a log of a softmax that only feeds sampling
or greedy decoding (draws.py: `Categorical(logits=log_p).sample()`, `np.random.choice(n,
p=np.exp(log_p))`, `log_p.argmax(-1)`, the indices of `log_p.topk(k)`), where -inf is a valid
log-probability and no gradient flows back.

A value is followed through what keeps it a (log-)probability to draw from: an exp, arithmetic
(a temperature, Gumbel noise), a slice, a move or cast (`.cpu().numpy()`), a sum over its axis,
a normalisation (`p / p.sum()`). Its shape (`len(lp)`, `lp.shape`) is no use of its values.
A local name nothing reads is no use either. A name is followed from where it is bound (outside a
loop), and into the module's own top-level functions: a parameter only sampled, a return every
caller only samples.
Anything it can't follow (a return, a yield, a call, an attribute, a loss) is a use that is not
drawing.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from .. import vocab
from ..vocab import arrays
from ..vocab import torch as tv
from ..vocab.python import LEN
from ..vocab.symbols import EXP
from .bindings import own_functions
from .draws import Sampling

_DEPTH = 6  # how many names and wrappers a value is followed through
_INDICES = frozenset({"argmax", "argsort"})  # methods giving integer indices, in every array library
_LIKE = "_like"  # `torch.rand_like(lp)`, `np.zeros_like(lp)`: an array of its shape
_SHAPE = frozenset({"shape", "ndim", "dtype", "device", "size"})  # attributes (and `size()`): no values
# Methods that keep the values a log-probability to draw from.
_KEEPS = arrays.KEEP_VALUES | arrays.REDUCTIONS | {"tolist", "cumsum", "item", "masked_fill", "clamp", "clip"}
_VIEWS = arrays.TENSOR_VIEWS | arrays.TRANSPOSES
_RENORMALISED = frozenset({"softmax", "log_softmax"})  # `torch.softmax(lp / t, -1)`: back to probabilities
_NORMALISERS = {arrays.SUM: cst.Divide, "logsumexp": cst.Subtract}  # `e / e.sum()`, `lp - lp.logsumexp(-1)`
_THROWAWAY = "_"  # `_, ids = lp.topk(k)`: the values are not used
_IN_PLACE = "_"  # `masked_fill_`, `div_`: torch's in-place methods
_VALUES = "values"  # the values of a (values, indices) pair
_WHERE = "where"  # `torch.where(mask, lp, fill)`, `np.where(...)`: values chosen cell by cell
_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide)


class Consumers:
    def __init__(self, module: cst.Module, samplings: list[Sampling]) -> None:
        from libcst.metadata import MetadataWrapper, ParentNodeProvider  # here: libcst loads on first use

        self.parents: Mapping[cst.CSTNode, cst.CSTNode] = MetadataWrapper(
            module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
        self.samplers = {s.logits for s in samplings if not (s.distribution or s.pair)}
        self.distributions = {s.logits: s.call for s in samplings if s.distribution}
        self.pairs = {s.logits: s.call for s in samplings if s.pair}
        self.following: set[tuple[cst.CSTNode | None, str] | None] = set()  # the names whose loads are being checked
        self.module = module
        self.functions = own_functions(module)

    def only_sampled(self, expr: cst.CSTNode, depth: int = 0) -> bool:
        """Every use of the value of `expr` draws samples or indices from it, and there is at least one."""
        if depth >= _DEPTH:
            return False
        name = self._bound(expr)
        if name is not None and name in self.following:
            return True  # `p = p / p.sum()`: every load of p is being checked already
        found = self._uses(expr)
        if not found:
            return self._discarded(expr)
        if name is not None:
            self.following.add(name)
        try:
            return all(self._sampled(use, depth) for use in found)
        finally:
            self.following.discard(name)

    def _discarded(self, expr: cst.CSTNode) -> bool:
        """Assigned to a local name that nothing reads (`logp = torch.log(probs)`, then only `probs` is
        sampled). A module's name may be imported elsewhere."""
        return isinstance(self._target(expr), cst.Name) and isinstance(self._scope(expr), cst.FunctionDef)

    def _sampled(self, use: cst.CSTNode, depth: int) -> bool:
        if use in self.samplers or self._indexed(use) or self._shape(use) or self._normaliser(use):
            return True
        if self._returned_to_samplers(use, depth) or self._passed_to_a_sampler(use, depth):
            return True
        if use in self.distributions:
            return self._only_drawn(self.distributions[use])
        if use in self.pairs:
            return self._pair_drawn(self.pairs[use], depth)
        parent = self.parents.get(use)
        if isinstance(parent, cst.AugAssign) and parent.target is use and isinstance(parent.operator, (
                cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign)):
            return True  # `p /= p.sum()`: the name's later loads are uses of their own
        if self._changed_in_place(use) or isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return True  # `lp[lp < kth] = -inf`, `lp.div_(t)`: later loads are uses; a mask has no gradient
        wrapper = self._wrapper(use)
        return wrapper is not None and self.only_sampled(wrapper, depth + 1)

    def _changed_in_place(self, use: cst.CSTNode) -> bool:
        """`lp[mask] = value` or a statement of an in-place method (`lp.masked_fill_(mask, -inf)`): the
        array changes, its values go nowhere."""
        parent = self.parents.get(use)
        if isinstance(parent, cst.Subscript) and parent.value is use:
            return isinstance(self.parents.get(parent), cst.AssignTarget)
        method = self._called_method(use)
        return method is not None and method[0].endswith(_IN_PLACE) and not method[0].startswith(_IN_PLACE) and (
            isinstance(self.parents.get(method[1]), cst.Expr))

    def _wrapper(self, use: cst.CSTNode) -> cst.CSTNode | None:
        """What keeps a log-probability one to draw from: its exp (`lp.exp()`, `torch.exp(lp)`),
        arithmetic (`lp / t`, `lp + gumbel`), a slice (`lp[:, -1]`), a move (`lp.cpu().numpy()`)."""
        parent = self.parents.get(use)
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, _ARITHMETIC):
            return parent
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Minus):
            return parent
        if isinstance(parent, cst.Subscript) and parent.value is use:
            return parent
        if isinstance(parent, cst.Attribute) and parent.value is use and parent.attr.value in _VIEWS:
            return parent  # `lp.data`, `lp.T`
        if isinstance(parent, cst.Attribute) and parent.value is use and (
                _is_exp(parent.attr.value) or parent.attr.value in _KEEPS):
            call = self.parents.get(parent)
            return call if isinstance(call, cst.Call) and call.func is parent else None
        if isinstance(parent, cst.Arg) and parent.keyword is None and not parent.star and isinstance(
                where := self.parents.get(parent), cst.Call) and _named(where.func) == _WHERE and any(
                    arg is parent for arg in where.args[1:3]):
            return where  # `torch.where(mask, lp, -inf)`: its values or a fill
        call = self._argument_of(use)
        if call is not None and isinstance(call.func, cst.Attribute) and (
                (len(call.args) == 1 and _is_exp(call.func.attr.value)) or call.func.attr.value in _RENORMALISED):
            return call
        return None

    def _argument_of(self, use: cst.CSTNode) -> cst.Call | None:
        """The call `use` is the first positional argument of."""
        arg = self.parents.get(use)
        if not (isinstance(arg, cst.Arg) and arg.keyword is None and arg.star == ""):
            return None
        call = self.parents.get(arg)
        return call if isinstance(call, cst.Call) and call.args and call.args[0] is arg else None

    def _returned_to_samplers(self, use: cst.CSTNode, depth: int) -> bool:
        """`return torch.log(probs)` from a module function every call of which is only sampled. (A
        module function may be imported elsewhere; one this module itself only samples is taken at
        its word.)"""
        parent = self.parents.get(use)
        function = self._scope(use)
        if not (isinstance(parent, cst.Return) and parent.value is use and isinstance(function, cst.FunctionDef)
                and self.functions.get(function.name.value) is function):
            return False
        calls = [self._called(name) for name in self._loads(self.module, function.name.value)]
        return bool(calls) and all(call is not None and self.only_sampled(call, depth + 1) for call in calls)

    def _passed_to_a_sampler(self, use: cst.CSTNode, depth: int) -> bool:
        """`draw(log_p)` of a module function whose parameter is only sampled."""
        arg = self.parents.get(use)
        call = self.parents.get(arg) if isinstance(arg, cst.Arg) and arg.value is use and not arg.star else None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name) or not isinstance(arg, cst.Arg):
            return False
        function = self.functions.get(call.func.value)
        if function is None or any(a.star for a in call.args):
            return False
        params = [*function.params.posonly_params, *function.params.params]
        if arg.keyword is not None:
            param = next((p for p in [*params, *function.params.kwonly_params] if p.name.value == arg.keyword.value),
                         None)
        else:
            position = [a for a in call.args if a.keyword is None].index(arg)
            param = params[position] if position < len(params) else None
        if param is None or depth + 1 >= _DEPTH:
            return False
        loads = self._loads(function.body, param.name.value)
        return bool(loads) and all(self._sampled(load, depth + 1) for load in loads)

    def _called(self, name: cst.CSTNode) -> cst.Call | None:
        call = self.parents.get(name)
        return call if isinstance(call, cst.Call) and call.func is name else None

    def _called_method(self, use: cst.CSTNode) -> tuple[str, cst.Call] | None:
        parent = self.parents.get(use)
        if isinstance(parent, cst.Attribute) and parent.value is use:
            call = self.parents.get(parent)
            if isinstance(call, cst.Call) and call.func is parent:
                return parent.attr.value, call
        return None

    def _indexed(self, use: cst.CSTNode) -> bool:
        """`lp.argmax(-1)`: integer indices, with no gradient."""
        method = self._called_method(use)
        return method is not None and method[0] in _INDICES

    def _shape(self, use: cst.CSTNode) -> bool:
        """`len(lp)`, `lp.shape[-1]`, `lp.size(0)`, `torch.rand_like(lp)`: sizes, not values."""
        parent = self.parents.get(use)
        if isinstance(parent, cst.Attribute) and parent.value is use and parent.attr.value in _SHAPE:
            return True
        call = self._argument_of(use)
        if call is None:
            return False
        name = _named(call.func)
        return (len(call.args) == 1 and name == LEN.rsplit(".", 1)[-1]) or name.endswith(_LIKE)

    def _normaliser(self, use: cst.CSTNode) -> bool:
        """The `p.sum()` of `p /= p.sum()`, `p /= np.sum(p)` or `e / np.sum(e)`, and the logsumexp of
        `lp - torch.logsumexp(lp, -1, keepdim=True)`: it only scales (or shifts) what is followed."""
        method = self._called_method(use)
        if method is not None and method[0] in _NORMALISERS:
            name, total = method[0], method[1]
        elif (call := self._argument_of(use)) is not None and _named(call.func) in _NORMALISERS and isinstance(
                call.func, cst.Attribute):
            name, total = _named(call.func), call
        else:
            return False
        parent = self.parents.get(total)
        if not isinstance(use, cst.Name):
            return False
        if isinstance(parent, cst.BinaryOperation):
            return isinstance(parent.operator, _NORMALISERS[name]) and parent.right is total and isinstance(
                parent.left, cst.Name) and parent.left.value == use.value
        return name == arrays.SUM and isinstance(parent, cst.AugAssign) and isinstance(
            parent.operator, cst.DivideAssign) and parent.value is total and isinstance(
            parent.target, cst.Name) and parent.target.value == use.value

    def _pair_drawn(self, call: cst.CSTNode, depth: int) -> bool:
        """(values, indices) of `lp.topk(k)`: the indices are drawn; the values are followed, also
        through a name (`top = lp.topk(k)`, then `top.indices`)."""
        if depth >= _DEPTH:
            return False
        parent = self.parents.get(call)
        attribute, position = tv.PAIR_INDICES
        if isinstance(parent, cst.Attribute) and parent.value is call:
            return parent.attr.value == attribute or (  # `.values`, followed as the values
                parent.attr.value == _VALUES and self.only_sampled(parent, depth + 1))
        if isinstance(parent, cst.Subscript) and parent.value is call and len(parent.slice) == 1:
            index = parent.slice[0].slice
            return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and int(
                index.value.value) == position
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(
                target := parent.targets[0].target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
            values = target.elements[0].value
            if not isinstance(values, cst.Name) or not isinstance(target.elements[1].value, cst.Name):
                return False
            if values.value == _THROWAWAY:
                return True
            loads = self._loads(parent, values.value)
            return all(self._sampled(use, depth + 1) for use in loads)  # none: only the indices are used
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(
                name := parent.targets[0].target, cst.Name):
            pairs = self._loads(parent, name.value)
            return bool(pairs) and all(self._pair_drawn(pair, depth + 1) for pair in pairs)
        return False

    def _only_drawn(self, distribution: cst.CSTNode) -> bool:
        """A distribution used only for `.sample()`: its `log_prob` would carry a gradient back."""
        found = self._uses(distribution)
        return bool(found) and all(self._drawn(use) for use in found)

    def _drawn(self, use: cst.CSTNode) -> bool:
        method = self._called_method(use)
        return method is not None and method[0] in arrays.SAMPLE

    def _target(self, expr: cst.CSTNode) -> cst.BaseExpression | None:
        """What `expr` is assigned to, if it is the whole value of an assignment."""
        parent = self.parents.get(expr)
        if isinstance(parent, cst.Assign) and parent.value is expr and len(parent.targets) == 1:
            return parent.targets[0].target
        if isinstance(parent, cst.AnnAssign) and parent.value is expr:
            return parent.target
        return None

    def _bound(self, expr: cst.CSTNode) -> tuple[cst.CSTNode | None, str] | None:
        """The scope and name `expr` is assigned to."""
        target = self._target(expr)
        return (self._scope(expr), target.value) if isinstance(target, cst.Name) else None

    def _uses(self, expr: cst.CSTNode) -> list[cst.CSTNode]:
        """The expression itself, or every load of the one name it is assigned to."""
        target = self._target(expr)
        if target is None:
            return [expr]
        if not isinstance(target, cst.Name):
            return []  # self.log_p = ..., a, b = ...: not followed
        return self._loads(expr, target.value, after=self._parent_unless_in_a_loop(expr))

    def _parent_unless_in_a_loop(self, expr: cst.CSTNode) -> cst.CSTNode | None:
        """The assignment of `expr`, where its name's earlier loads read an earlier value: outside a loop
        (`preds = np.log(preds) / t` reads the old `preds`)."""
        assignment = self.parents.get(expr)
        node = assignment
        while node is not None and not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.Module)):
            if isinstance(node, (cst.For, cst.While)):
                return None
            node = self.parents.get(node)
        return assignment

    def _loads(self, statement: cst.CSTNode | None, name: str,
               after: cst.CSTNode | None = None) -> list[cst.CSTNode]:
        scope = self._scope(statement)
        loads = _Loads(name, after)
        if scope is not None:
            scope.visit(loads)
        return loads.found

    def _scope(self, node: cst.CSTNode | None) -> cst.CSTNode | None:
        while node is not None and not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.Module)):
            node = self.parents.get(node)
        return node


def _is_exp(name: str) -> bool:
    fn = vocab.ARRAY_METHODS.get(name)
    return fn is not None and fn.kind == EXP


def _named(func: cst.BaseExpression) -> str:
    """The last name of what is called: `len`, `np.sum` -> "sum"."""
    if isinstance(func, cst.Name):
        return func.value
    return func.attr.value if isinstance(func, cst.Attribute) else ""


class _Loads(cst.CSTVisitor):
    """Every load of a name (and what only looks like one: an augmented assignment, a for target)."""

    def __init__(self, name: str, after: cst.CSTNode | None = None) -> None:
        self.name = name
        self.found: list[cst.CSTNode] = []
        self.after = after  # loads before the end of this node are not counted

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if original_node is self.after:
            self.after = None
        super().on_leave(original_node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and self.after is None:
            self.found.append(node)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        self._stores(node.target)  # `log_p = ...` and `values, ids = ...` bind names, don't read them
        return False

    def _stores(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._stores(element.value)
        elif isinstance(target, cst.StarredElement):
            self._stores(target.value)
        elif not isinstance(target, cst.Name):
            target.visit(self)  # `x.a = ...`, `x[i] = ...` read x (and i)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `x.log_p` is another name
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # `f(log_p=...)`: the keyword is not a load
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        if node.default is not None:
            node.default.visit(self)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        node.params.visit(self)
        node.body.visit(self)
        for decorator in node.decorators:
            decorator.visit(self)
        return False

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        return False
