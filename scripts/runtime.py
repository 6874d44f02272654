#!/usr/bin/env python3
"""The run-time model over expanded templates: see scripts/runtime/ and docs/runtime.md.

Usage: scripts/runtime.py [--known tests/runtime-known-findings.txt [--prune-known]] [--source PACKAGED.json]
                          [--package-repository URI] TEMPLATE.json[@LABEL]...
       scripts/runtime.py --self-test
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime.cli import main  # noqa: E402  (the package scripts/runtime/, not this file)

if __name__ == "__main__":
    sys.exit(main())
