#!/usr/bin/env python3
"""Which crates a release binary's bytes come from (cargo-bloat style, from a linker map).

Fat LTO leaves one object file, but with function sections every input section still carries its
(mangled) symbol name, so the map attributes each function and constant to its crate; the C code
of aws-lc comes from its own archive. `.eh_frame` and `.rela.dyn` are not attributed.

    # an unstripped users binary with a linker map (relinks the final crate only, ~2 min;
    # the next `make bench` relinks it stripped again)
    cargo rustc --release --locked -p roster-users --bin users -- \
        -C strip=none -C link-arg=-Wl,-Map=target/users.map
    python3 bench/scripts/size-by-crate.py target/users.map 40
"""

import collections
import re
import sys

ALLOC = (".text", ".rodata", ".data.rel.ro", ".data", ".gcc_except_table", ".tdata", ".init_array")
GENERIC = re.compile(r"^[A-Z][A-Za-z]{0,2}$")  # T, F, Fut, …: a type parameter, not a crate


def crate_of(section):
    """The crate of a legacy-mangled symbol in a section name like `.text._ZN10aws_config…`."""
    m = re.search(r"_ZN(\d+)(.*)$", section)
    if not m:
        return None
    n = int(m.group(1))
    ident = m.group(2)[:n]
    if not ident.startswith("_$LT$"):
        return ident
    inner = re.sub(r"^(\$RF\$|mut\$u20\$|dyn\$u20\$|\$u5b\$|\$LP\$)+", "", ident[5:])
    first = re.split(r"\.\.|\$", inner)[0]
    if not first or GENERIC.match(first):
        trait = re.search(r"\$u20\$as\$u20\$([A-Za-z_][A-Za-z0-9_]*)", inner)
        if trait:
            return trait.group(1)
    return first or "?"


def main(path, top):
    by_crate = collections.Counter()
    outputs = {}
    current = None
    for line in open(path, errors="replace"):
        parts = line.split(None, 4)
        if len(parts) < 5:
            continue
        try:
            size = int(parts[2], 16)
        except ValueError:
            continue
        where = parts[4].strip()
        if where.startswith("."):
            current = where
            outputs[current] = size
            continue
        m = re.match(r"^(.*):\((\S+)\)$", where)
        if not m or size == 0 or current not in ALLOC:
            continue
        obj, section = m.groups()
        if "aws_lc" in obj:
            crate = "aws-lc (C)"
        elif ".rcgu.o" in obj:
            crate = crate_of(section) or "(unnamed Rust constants and functions)"
        else:
            crate = "(libc, crt)"
        if crate in ("core", "alloc", "std", "std_detect"):
            crate = "std/core/alloc (incl. generic code instantiated for other crates' types)"
        by_crate[crate] += size
    total = sum(by_crate.values())
    print(f"attributed: {total / 2**20:.2f} MiB of " + ", ".join(
        f"{o} {outputs[o] / 2**20:.2f}" for o in (".text", ".rodata", ".data.rel.ro",
                                                   ".gcc_except_table", ".eh_frame", ".rela.dyn")
        if o in outputs) + " MiB")
    for crate, size in by_crate.most_common(top):
        print(f"{size / 2**20:7.3f} MiB  {100 * size / total:4.1f}%  {crate}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30)
