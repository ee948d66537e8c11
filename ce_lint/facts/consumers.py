"""Where a value goes: the uses of an expression, followed through the one name it is assigned to,
over the syntax tree of its scope. For the numerics: a log of a softmax that only feeds sampling
(`Categorical(logits=log_p).sample()`, `tf.random.categorical(log_p, 1)`), where -inf is a valid
log-probability and no gradient flows back.

Built only for files that sample (the parent map costs a walk of the module); anything it can't
follow (a return, a call, an attribute, a second name) is a use that is not sampling.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from .. import vocab
from ..vocab import arrays
from ..vocab.symbols import EXP
from .numerics import Sampling

_DEPTH = 4  # how many names and wrappers a value is followed through


class Consumers:
    def __init__(self, module: cst.Module, samplings: list[Sampling]) -> None:
        from libcst.metadata import MetadataWrapper, ParentNodeProvider  # here: libcst loads on first use

        self.parents: Mapping[cst.CSTNode, cst.CSTNode] = MetadataWrapper(
            module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
        self.samplers = {s.logits for s in samplings if not s.distribution}
        self.distributions = {s.logits: s.call for s in samplings if s.distribution}

    def only_sampled(self, expr: cst.CSTNode, depth: int = 0) -> bool:
        """Every use of the value of `expr` draws samples from it, and there is at least one."""
        if depth >= _DEPTH:
            return False
        found = self._uses(expr)
        return bool(found) and all(self._sampled(use, depth) for use in found)

    def _sampled(self, use: cst.CSTNode, depth: int) -> bool:
        if use in self.samplers:
            return True
        if use in self.distributions:
            return self._only_drawn(self.distributions[use], depth)
        wrapper = self._wrapper(use)
        return wrapper is not None and self.only_sampled(wrapper, depth + 1)

    def _wrapper(self, use: cst.CSTNode) -> cst.CSTNode | None:
        """What keeps a log-probability one for sampling: its exp (`lp.exp()`, `torch.exp(lp)`), a
        temperature (`lp / t`)."""
        parent = self.parents.get(use)
        if isinstance(parent, cst.BinaryOperation) and parent.left is use and isinstance(
                parent.operator, (cst.Divide, cst.Multiply)):
            return parent
        if isinstance(parent, cst.Attribute) and parent.value is use and _is_exp(parent.attr.value):
            call = self.parents.get(parent)
            return call if isinstance(call, cst.Call) and call.func is parent and not call.args else None
        if isinstance(parent, cst.Arg) and parent.keyword is None:
            call = self.parents.get(parent)
            if isinstance(call, cst.Call) and len(call.args) == 1 and isinstance(call.func, cst.Attribute) and _is_exp(
                    call.func.attr.value):
                return call
        return None

    def _only_drawn(self, distribution: cst.CSTNode, depth: int) -> bool:
        """A distribution used only for `.sample()`: its `log_prob` would carry a gradient back."""
        found = self._uses(distribution)
        return bool(found) and all(self._drawn(use) for use in found)

    def _drawn(self, use: cst.CSTNode) -> bool:
        parent = self.parents.get(use)
        if not (isinstance(parent, cst.Attribute) and parent.value is use and parent.attr.value in arrays.SAMPLE):
            return False
        call = self.parents.get(parent)
        return isinstance(call, cst.Call) and call.func is parent

    def _uses(self, expr: cst.CSTNode) -> list[cst.CSTNode]:
        """The expression itself, or every load of the one name it is assigned to."""
        parent = self.parents.get(expr)
        target: cst.BaseExpression | None = None
        if isinstance(parent, cst.Assign) and parent.value is expr and len(parent.targets) == 1:
            target = parent.targets[0].target
        elif isinstance(parent, cst.AnnAssign) and parent.value is expr:
            target = parent.target
        if target is None:
            return [expr]
        if not isinstance(target, cst.Name):
            return []  # self.log_p = ..., a, b = ...: not followed
        scope = self._scope(parent)
        loads = _Loads(target.value)
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


class _Loads(cst.CSTVisitor):
    """Every load of a name (and what only looks like one: an augmented assignment, a for target)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[cst.CSTNode] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.found.append(node)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
        return not isinstance(node.target, cst.Name)  # `log_p = ...` binds it, doesn't read it

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
