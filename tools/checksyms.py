#!/usr/bin/env python3
"""Check that the second link moved no symbol of the first.

usage: checksyms.py pass1.elf final.elf

The symbol table that backtraces use was made from pass1.elf; if any
function's address differs in final.elf the backtraces would lie, so the
build fails instead.
"""
import subprocess
import sys


def symbols(path):
    out = subprocess.run(["nm", path], check=True, capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TtWw" and not parts[2].startswith("ksym_"):
            table[parts[2]] = parts[0]
    return table


def main():
    first, final = symbols(sys.argv[1]), symbols(sys.argv[2])
    moved = [name for name, address in first.items() if final.get(name) != address]
    if moved:
        print("checksyms: the final link moved %d symbols (e.g. %s): backtraces would be wrong"
              % (len(moved), ", ".join(moved[:5])), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
