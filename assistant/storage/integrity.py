"""Integrity of a written generation: per-file checksums and finite vectors.

Why CRC32: the threat is a damaged disk, a bad restore or a stray ``dd`` — not
an attacker (whoever can write the index can also write a matching manifest).
CRC32 catches every burst of up to 32 bits and any other damage with probability
1 - 2^-32, and ``zlib.crc32`` runs at about 4 GB/s here (sha256 1.3, blake2b 0.8);
figures and the open-time cost are in docs/decisions/0004-hardening.md.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import faiss
import numpy as np

CHECKSUM_ALGORITHM = "crc32"
_BLOCK = 1 << 20


def file_checksum(path: Path) -> str:
    """CRC32 of a file's bytes as 8 hex digits, read in 1 MB blocks into one buffer."""
    crc = 0
    buffer = bytearray(_BLOCK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while n := handle.readinto(buffer):
            crc = zlib.crc32(view[:n], crc)
    return f"{crc & 0xFFFFFFFF:08x}"


def checksums(directory: Path, names: list[str]) -> dict[str, str]:
    return {name: file_checksum(directory / name) for name in names}


def first_mismatch(directory: Path, sizes: dict[str, int], sums: dict[str, str] | None) -> str | None:
    """The first listed file that is missing, has another size or (if recorded) another checksum."""
    for name, size in sizes.items():
        path = directory / name
        if not path.is_file() or path.stat().st_size != size:
            return name
    for name, expected in (sums or {}).items():
        if file_checksum(directory / name) != expected:
            return name
    return None


def all_finite(index: faiss.Index, block: int = 20_000) -> bool:
    """True when every stored vector is finite (NaN or inf would poison every score and the JSON)."""
    n = index.ntotal
    if n == 0:
        return True
    if isinstance(index, faiss.IndexFlat):  # zero-copy view of the stored floats
        stored = faiss.rev_swig_ptr(index.get_xb(), n * index.d)
        return bool(np.isfinite(stored).all())
    for start in range(0, n, block):
        if not np.isfinite(index.reconstruct_n(start, min(block, n - start))).all():
            return False
    return True


def finite_rows(vectors: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows without NaN or inf."""
    return np.isfinite(vectors).all(axis=1)
