"""Russian word vectors for matching by meaning: navec (news, 250K words, 300 dimensions).

The vectors come inside the `natasha` wheel (natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar),
so nothing is downloaded at run time. The file is located through the package metadata, without
importing natasha (whose import pulls in its own morphology and models). It is navec's format:
a gzip vocabulary and product-quantised vectors (each vector is 100 one-byte indexes into
per-slice code books), read here directly so only the indexes (25 MB) stay resident.
"""

import functools
import gzip
import importlib.metadata
import json
import tarfile
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

NAVEC_FILE = "navec_news_v1_1B_250K_300d_100q.tar"
NAVEC_PACKAGE = "natasha"
NAVEC_PROTOCOL = 1

FloatArray = npt.NDArray[np.float32]


class VectorsError(Exception):
    """The vectors file cannot be found or read."""


class WordVectors:
    """Unit vectors of words; `None` for a word the vocabulary does not have."""

    def __init__(self, words: list[str], indexes: npt.NDArray[np.uint8], codes: FloatArray):
        self._ids = {word: i for i, word in enumerate(words)}
        self._indexes = indexes  # words × slices
        self._codes = codes  # slices × centroids × slice dimension
        self._slices = np.arange(codes.shape[0])
        self.dim = codes.shape[0] * codes.shape[2]

    def __contains__(self, word: str) -> bool:
        return word in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def vector(self, word: str) -> FloatArray | None:
        index = self._ids.get(word)
        if index is None:
            return None
        vector: FloatArray = self._codes[self._slices, self._indexes[index]].reshape(self.dim)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else None


def navec_path() -> Path:
    try:
        files = importlib.metadata.files(NAVEC_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        raise VectorsError(f"the {NAVEC_PACKAGE} package is not installed") from None
    for file in files:
        if file.name == NAVEC_FILE:
            return Path(str(file.locate()))
    raise VectorsError(f"{NAVEC_FILE} is not in the {NAVEC_PACKAGE} package")


@functools.cache
def load_navec() -> WordVectors:
    """Read the vectors once per process (about 0.5 s): every matcher shares them."""
    return read_navec(navec_path())


def read_navec(path: Path) -> WordVectors:
    try:
        with tarfile.open(path) as tar:
            meta = json.loads(_member(tar, "meta.json").read())
            if meta.get("protocol") != NAVEC_PROTOCOL:
                raise VectorsError(f"{path}: unknown navec protocol {meta.get('protocol')}")
            words = _vocabulary(_member(tar, "vocab.bin"))
            indexes, codes = _quantised(_member(tar, "pq.bin"))
    except (OSError, tarfile.TarError, ValueError, KeyError) as error:
        raise VectorsError(f"{path}: {error}") from None
    if len(words) != indexes.shape[0]:
        raise VectorsError(f"{path}: {len(words)} words but {indexes.shape[0]} vectors")
    return WordVectors(words, indexes, codes)


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    file = tar.extractfile(name)
    if file is None:
        raise VectorsError(f"{name} is not a file")
    return file


def _vocabulary(file: IO[bytes]) -> list[str]:
    data = gzip.decompress(file.read())
    (size,) = np.frombuffer(data[:4], np.uint32)
    # The word counts follow the size; the matcher does not need them.
    return data[4 + 4 * int(size) :].decode("utf-8").splitlines()


def _quantised(file: IO[bytes]) -> tuple[npt.NDArray[np.uint8], FloatArray]:
    vectors, _dim, slices, centroids = (int(x) for x in np.frombuffer(file.read(16), np.uint32))
    indexes = np.frombuffer(file.read(vectors * slices), np.uint8).reshape(vectors, slices)
    codes = np.frombuffer(file.read(), np.float32).reshape(slices, centroids, -1)
    return indexes, codes
