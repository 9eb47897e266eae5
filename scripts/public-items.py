#!/usr/bin/env python3
"""Counts a crate's public API from rustdoc's JSON output.

    RUSTC_BOOTSTRAP=1 cargo rustdoc -p <crate> --all-features -- -Z unstable-options --output-format json
    scripts/public-items.py target/doc/<crate>.json ...

Items: modules, types, traits, functions, constants, statics and macros the
crate itself defines and documents (doc(hidden) items are not in the JSON: they
count as hidden). Members: inherent methods and associated constants of those
types, enum variants, public struct fields. Trait implementations are not counted.
"""
import json
import sys

TOP = {"module", "struct", "enum", "trait", "function", "constant", "type_alias",
       "macro", "static", "union", "proc_macro", "trait_alias"}


def kind(item):
    inner = item.get("inner")
    if isinstance(inner, dict) and inner:
        return next(iter(inner))
    return str(inner)


def count(path):
    doc = json.load(open(path))
    index = doc["index"]
    local = {k: v for k, v in index.items() if v.get("crate_id") == 0}
    in_impl = set()
    for item in local.values():
        if kind(item) in ("impl", "trait"):
            inner = item["inner"][kind(item)]
            in_impl.update(str(i) for i in inner.get("items", []))
    top = 0
    kinds = {}
    mk = {"methods and consts": 0, "variants": 0, "fields": 0}
    for key, item in local.items():
        if key in in_impl:
            continue
        k = kind(item)
        if k in TOP and item.get("visibility") == "public" and item.get("name"):
            if k == "module" and item.get("id") == doc["root"]:
                continue
            top += 1
            kinds[k] = kinds.get(k, 0) + 1
        if k == "variant":
            mk["variants"] += 1
        if k == "struct":
            s = item["inner"]["struct"]["kind"]
            fields = s.get("plain", {}).get("fields", []) if isinstance(s, dict) else []
            mk["fields"] += sum(1 for f in fields if str(f) in index and index[str(f)].get("visibility") == "public")
        if k == "impl":
            imp = item["inner"]["impl"]
            if imp.get("trait") is None and not imp.get("is_synthetic"):
                for i in imp.get("items", []):
                    it = index.get(str(i))
                    if it and it.get("visibility") == "public":
                        mk["methods and consts"] += 1
    return top, mk, kinds


for path in sys.argv[1:]:
    top, mk, kinds = count(path)
    members = ", ".join(f"{k} {v}" for k, v in mk.items())
    name = path.rsplit("/", 1)[-1].removesuffix(".json")
    detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    print(f"{name}: {top} items ({detail}); members: {members}")
