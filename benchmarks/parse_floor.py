"""The floor of any libcst-based analysis: read and `libcst.parse_module` each file named in a list,
nothing else (`--ast`: CPython's `ast.parse` instead). Run by speed.py as its own process, like the
tools it is compared with.

    python benchmarks/parse_floor.py [--ast] FILE_LIST
"""

import ast
import sys

if __name__ == "__main__":
    use_ast = sys.argv[1] == "--ast"
    if not use_ast:
        import libcst
    refused = (SyntaxError, ValueError) if use_ast else (libcst.ParserSyntaxError,)
    with open(sys.argv[-1], encoding="utf-8") as listing:
        for name in listing.read().splitlines():
            with open(name, "rb") as handle:
                data = handle.read()
            try:
                ast.parse(data) if use_ast else libcst.parse_module(data)
            except refused:
                pass  # ce-lint reports these too; both pay for the attempt
