"""A node-wide "something changed" stamp for the per-process caches.

``cumulo serve --workers N`` runs N HTTP worker processes (plus the parent
with the job runner), each with its own caches of API key owners, role rules
and settings. A commit that changes those facts bumps this stamp; every
process compares the stamp it cached an entry under with the current one on
each read, so a user disabled through any process of a node is refused by
every process of that node from the next request on. Other nodes still rely
on the caches' TTL (``Settings.auth_cache_seconds``).

The stamp lives in an 8-byte file that every process of the node maps into
memory (``Settings.node_generation_file``, created by ``cumulo serve``);
without one it is a plain attribute of this process. A bump writes a fresh
random value instead of incrementing, so two processes bumping at once need
no lock: whichever write lands last, the value differs from every value a
reader saw before either write.
"""

from __future__ import annotations

import mmap
import os
import random
import struct
from pathlib import Path

_FORMAT = "<Q"
SIZE = struct.calcsize(_FORMAT)
_rng = random.SystemRandom()


class Generation:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._value = 0
        self._map: mmap.mmap | None = None
        if path is not None:
            fd = os.open(path, os.O_RDWR)
            try:
                self._map = mmap.mmap(fd, SIZE)
            finally:
                os.close(fd)

    @staticmethod
    def create_file(path: Path) -> Path:
        """A fresh stamp file for the processes of one node (by its parent, before they start)."""
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, struct.pack(_FORMAT, _rng.getrandbits(64)))
        finally:
            os.close(fd)
        return path

    def current(self) -> int:
        if self._map is None:
            return self._value
        return int(struct.unpack_from(_FORMAT, self._map, 0)[0])

    def bump(self) -> None:
        """Mark every cached entry of every process sharing this stamp stale."""
        old = self.current()
        new = old
        while new == old:
            new = _rng.getrandbits(64)
        if self._map is None:
            self._value = new
        else:
            struct.pack_into(_FORMAT, self._map, 0, new)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
