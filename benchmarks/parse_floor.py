"""The floor of any libcst-based analysis: read and `libcst.parse_module` each file named in a list,
nothing else. Run by speed.py as its own process, like the tools it is compared with.

    python benchmarks/parse_floor.py FILE_LIST
"""

import sys

import libcst

if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as listing:
        for name in listing.read().splitlines():
            with open(name, "rb") as handle:
                try:
                    libcst.parse_module(handle.read())
                except libcst.ParserSyntaxError:
                    pass  # ce-lint reports these too; both pay for the attempt
