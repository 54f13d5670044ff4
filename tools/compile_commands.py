#!/usr/bin/env python3
"""Print compile_commands.json for the kernel sources: one entry per file.

usage: compile_commands.py "<compiler and flags>" file.c ...
"""
import json
import os
import sys


def main():
    command, files = sys.argv[1], sys.argv[2:]
    directory = os.getcwd()
    entries = [{"directory": directory, "file": f, "command": "%s -c %s" % (command, f)} for f in files]
    print(json.dumps(entries, indent=1))


if __name__ == "__main__":
    main()
