"""The hash chain of the audit trail (issue 12): each entry of an invoice's trail carries
its place in the chain (`seq` 1, 2, …) and a SHA-256 over its own fields and the hash of
the entry before it, so that changing, removing or reordering an entry — even by someone
who can switch the database's triggers off — leaves a chain that no longer adds up.

Pure: the service reads the entries and feeds them here in chain order.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

GENESIS = "0" * 64  # the "previous hash" of every chain's first entry

# What an entry's hash covers, in this order (with the previous hash last).
FIELDS = ("invoice_code", "seq", "user_id", "actor", "at", "action", "target", "field",
          "old_value", "new_value")

# How a chain can break.
CHANGED = "changed"  # the entry no longer matches its hash (or the one before it was rewritten)
MISSING = "missing"  # seq jumps: the entries between were deleted (or the chain's start)
OUT_OF_ORDER = "out_of_order"  # a seq repeats or goes back
TRUNCATED = "truncated"  # the chain ends before a head seen earlier (an anchor)
REWRITTEN = "rewritten"  # adds up, but is not the chain an earlier walk saw (an anchor)
NO_CHAIN = "no_chain"  # an invoice whose whole trail is gone


def moment(at: dt.datetime) -> dt.datetime:
    """The time an entry records, as the databases keep it: naive UTC, whole microseconds."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at


def entry_hash(entry: Mapping, previous: str) -> str:
    """SHA-256 (hex) of the entry's fields and the previous entry's hash.

    The serialisation is a JSON array (so that None and "" differ and no value can
    shift into the next), with the time as ISO text to the microsecond.
    """
    values = [entry[name] for name in FIELDS]
    values[FIELDS.index("at")] = moment(entry["at"]).isoformat(timespec="microseconds")
    text = json.dumps([*values, previous], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chained(entries: Iterable[Mapping], seq: int, previous: str) -> list[dict]:
    """The entries as they follow a chain whose head is (`seq`, `previous`): consecutive
    seqs and each one's hash."""
    rows = []
    for entry in entries:
        seq += 1
        row = {**entry, "seq": seq}
        row["hash"] = previous = entry_hash(row, previous)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Break:
    """Where one chain stops adding up: the first seq that is wrong, and how."""

    invoice_code: str
    seq: int
    kind: str


@dataclass
class Verification:
    """What a walk over the trail found."""

    entries: int = 0
    chains: int = 0
    breaks: list[Break] = field(default_factory=list)
    heads: dict[str, tuple[int, str]] = field(default_factory=dict)  # the last good entry

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(entries: Iterable[Mapping], anchor: Mapping[str, tuple[int, str]] | None = None,
           ) -> Verification:
    """Recompute every chain of `entries` (ordered by invoice code, then seq) and report
    the first break of each. `anchor`: heads seen by an earlier walk ({code: (seq, hash)});
    a chain that no longer reaches its anchored head with the same hash lost its newest
    entries (which no chain can show by itself) or was rewritten.
    """
    result = Verification()
    anchor = anchor or {}
    code = None
    expected, previous, broken = 1, GENESIS, False

    def close() -> None:
        if code is None:
            return
        result.heads[code] = (expected - 1, previous)
        if not broken and code in anchor and anchor[code][0] >= expected:
            result.breaks.append(Break(code, expected, TRUNCATED))

    for entry in entries:
        if entry["invoice_code"] != code:
            close()
            code, expected, previous, broken = entry["invoice_code"], 1, GENESIS, False
            result.chains += 1
        result.entries += 1
        if broken:
            continue
        seq = entry["seq"]
        kind = None
        if seq > expected:
            kind, seq = MISSING, expected
        elif seq < expected:
            kind = OUT_OF_ORDER
        elif entry_hash(entry, previous) != entry["hash"]:
            kind = CHANGED
        elif code in anchor and anchor[code][0] == seq and anchor[code][1] != entry["hash"]:
            kind = REWRITTEN
        if kind is not None:
            result.breaks.append(Break(code, seq, kind))
            broken = True
            continue
        expected, previous = seq + 1, entry["hash"]
    close()
    seen = result.heads
    result.breaks += [Break(c, 1, NO_CHAIN) for c in sorted(set(anchor) - set(seen))]
    return result
