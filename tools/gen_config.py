#!/usr/bin/env python3
"""Generate sdkconfig.h for the host build from the component's Kconfig.

The same Kconfig ESP-IDF reads on a device; values come from its defaults,
overridden by an optional sdkconfig file (the one `make menuconfig` writes).
Usage: gen_config.py KCONFIG OUT_HEADER [SDKCONFIG]
"""
import os
import sys

try:
    import kconfiglib
except ImportError:
    sys.exit("gen_config.py: python3-kconfiglib is missing: apt-get install python3-kconfiglib")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    kconfig, out = sys.argv[1], sys.argv[2]
    sdkconfig = sys.argv[3] if len(sys.argv) == 4 else ""
    kconf = kconfiglib.Kconfig(kconfig, warn_to_stderr=True)
    if sdkconfig and os.path.exists(sdkconfig):
        print(kconf.load_config(sdkconfig))
        for warning in kconf.warnings:
            if "set more than once" in warning or "was assigned the value" in warning:
                sys.exit("gen_config.py: " + warning)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    kconf.write_autoconf(tmp, header="/* Generated from Kconfig by tools/gen_config.py: do not edit. */\n")
    # Rewrite only on change, so an unchanged configuration does not rebuild everything.
    new = open(tmp).read()
    old = open(out).read() if os.path.exists(out) else None
    if new != old:
        os.replace(tmp, out)
    else:
        os.remove(tmp)


if __name__ == "__main__":
    main()
