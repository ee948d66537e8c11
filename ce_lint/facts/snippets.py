"""Snippets that use Keras without importing it: Stack Overflow fragments, a notebook's later cells.

A file is read as Keras only when the shape is unmistakable, every condition holding:

- it has no star import (which could bind any name);
- Keras names are used bare (`Sequential`, `Dense`, `Activation`...) or under an unbound `keras.`,
  `layers.` or `tf.keras.` (`tf.keras.Sequential`, `layers.Dense`), at least two different ones,
  one of them Keras's own (`Dense`, `Conv2D`, `Activation`: PyTorch spells its layers otherwise);
- nothing in the file binds any of those names (an import, def, class, assignment, parameter, loop
  or `with` target...);
- a `.compile(...)` call is given a loss (a `loss=` keyword, or two positional arguments).

Then each such name stands for the Keras symbol of that name.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from ..vocab import keras as k
from ..vocab import tensorflow as tf
from .bindings import bound_names

# Roots a snippet uses unbound, and the module each stands for.
_ROOTS = {"keras": k.KERAS, "layers": f"{k.KERAS}.layers", "tf": tf.TF}
_KERAS_ONLY = frozenset(k.UNIT_LAYERS) | {k.ACTIVATION}


def implicit_keras(module: cst.Module, unbound: set[str]) -> dict[str, str]:
    """The names a snippet uses for Keras symbols without binding them (name -> qualified name), or {}."""
    bare = {name: member for name in unbound if (member := k.star_member(name)) is not None}
    roots = {name: qname for name, qname in _ROOTS.items() if name in unbound}
    if not bare and not roots:
        return {}
    scan = _Scan(set(bare) | set(roots))
    module.visit(scan)
    layers = {name for name in bare if name in scan.used} | scan.layer_attributes
    if scan.star or scan.bound or not scan.compiled or len(layers) < 2 or not layers & _KERAS_ONLY:
        return {}
    return {**{name: bare[name] for name in scan.used if name in bare},
            **{name: roots[name] for name in scan.used if name in roots}}


class _Scan(cst.CSTVisitor):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.used: set[str] = set()
        self.bound = False
        self.star = False
        self.compiled = False
        self.layer_attributes: set[str] = set()  # `layers.Dense`, `tf.keras.layers.Dense`, `keras.Sequential`

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self.star = True
        else:
            self._binds(alias.asname.name if alias.asname else alias.name for alias in node.names)

    def visit_Import(self, node: cst.Import) -> None:
        self._binds(alias.asname.name if alias.asname else _head(alias.name) for alias in node.names)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._binds([node.name])

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._binds([node.name])

    def visit_Param(self, node: cst.Param) -> None:
        self._binds([node.name])

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._binds(bound_names(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._binds(bound_names(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._binds(bound_names(node.target))

    def visit_For(self, node: cst.For) -> None:
        self._binds(bound_names(node.target))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._binds(bound_names(node.target))

    def visit_AsName(self, node: cst.AsName) -> None:
        self._binds(bound_names(node.name))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._binds(bound_names(node.target))

    def visit_Global(self, node: cst.Global) -> None:
        self._binds(item.name for item in node.names)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.used.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        path = _dotted(node.value)
        if path.split(".")[0] in self.names and (path in k.SNIPPET_LAYER_PATHS or (
                path in k.SNIPPET_MODEL_PATHS and node.attr.value in (k.SEQUENTIAL, k.MODEL))):
            self.layer_attributes.add(node.attr.value)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == k.COMPILE:
            positional = [a for a in node.args if a.keyword is None and not a.star]
            if len(positional) >= 2 or any(a.keyword is not None and a.keyword.value == "loss" for a in node.args):
                self.compiled = True

    def _binds(self, names: Iterator[cst.CSTNode] | list[cst.Name]) -> None:
        for name in names:
            if isinstance(name, cst.Name) and name.value in self.names:
                self.bound = True


def _head(node: cst.CSTNode) -> cst.CSTNode:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node


def _dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""
