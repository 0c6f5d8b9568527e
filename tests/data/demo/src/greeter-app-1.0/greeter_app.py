"""greeter: prints a greeting, then the versions and files of what it imported (JSON)."""

import importlib.metadata
import json
import sys

import colorlib
import textfmt


def main():
    print(textfmt.box(colorlib.paint("hello", colour="green")))
    report = {
        name: {"version": importlib.metadata.version(name), "file": mod.__file__}
        for name, mod in (("colorlib", colorlib), ("textfmt", textfmt))
    }
    print("IMPORTED " + json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
