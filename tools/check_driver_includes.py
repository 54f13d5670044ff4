#!/usr/bin/env python3
"""check_driver_includes.py - drivers see the kernel through wdm.h alone.

A driver written for this kernel must read like a Windows driver: one
`#include <wdm.h>` (or "wdm.h"), nothing from kernel/. Each file given on the
command line may include wdm.h and, for a driver's own headers, files that sit
beside it ("name.h" found in the same folder). Anything else fails the build,
with the file, the line and the rule.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def problems(path):
    folder = os.path.dirname(path)
    with open(path, encoding="utf-8", errors="replace") as source:
        for number, line in enumerate(source, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            name = match.group(2)
            if name == "wdm.h":
                continue
            if match.group(1) == '"' and "/" not in name and os.path.exists(os.path.join(folder, name)):
                continue  # the driver's own header, beside it
            yield "%s:%d: includes %s; drivers include only wdm.h (and their own headers)" % (path, number, name)


def main(paths):
    found = [p for path in paths for p in problems(path)]
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
