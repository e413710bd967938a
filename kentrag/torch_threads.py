"""Keeping one thread's PyTorch operations on one core for a while, without touching other threads.

`torch.set_num_threads` sets the calling thread's OpenMP and MKL thread counts, but also the count that threads
starting later take at their first PyTorch call: a thread starting meanwhile would keep one core for good. So
this calls the two per-thread settings directly, in the OpenMP runtime and the MKL that PyTorch loaded (its
Linux wheels: torch/lib/libgomp.so.1, and MKL inside libtorch_cpu). Where they are not found it does nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch


def _loaded_library(*prefixes: str) -> ctypes.CDLL | None:
    """A shared library of PyTorch's own that this process has loaded, whose file name starts with one of the
    prefixes. (Other packages bring OpenMP runtimes of their own: numkong and scikit-learn each a libgomp.)"""
    torch_folder = Path(torch.__file__).resolve().parent
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)  # address, permissions, offset, device, inode, path (if a file)
        if len(fields) == 6 and Path(fields[5]).name.startswith(prefixes) and torch_folder in Path(fields[5]).parents:
            return ctypes.CDLL(fields[5])
    return None


def _c_function(library: ctypes.CDLL | None, name: str) -> ctypes._CFuncPtr | None:
    """library's C function `int name(int)`, if it has one."""
    function = getattr(library, name, None)
    if function is not None:
        function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int
    return function


torch.get_num_threads()  # PyTorch's OpenMP runtime loaded and this thread's count set
_OPENMP = _loaded_library("libgomp", "libomp", "libiomp")
_OMP_GET_MAX_THREADS = getattr(_OPENMP, "omp_get_max_threads", None)
_OMP_SET_NUM_THREADS = _c_function(_OPENMP, "omp_set_num_threads")
# MKL's C name (the lower-case `mkl_set_num_threads_local` exported beside it takes a pointer: Fortran's).
_MKL_SET_NUM_THREADS_LOCAL = _c_function(_loaded_library("libtorch_cpu"), "MKL_Set_Num_Threads_Local")


@contextmanager
def single_threaded() -> Iterator[None]:
    """PyTorch's operations on this thread (its own and its MKL calls) keep to one core meanwhile."""
    if _OMP_GET_MAX_THREADS is None or _OMP_SET_NUM_THREADS is None:
        yield
        return
    before = _OMP_GET_MAX_THREADS()
    _OMP_SET_NUM_THREADS(1)
    mkl_before = _MKL_SET_NUM_THREADS_LOCAL(1) if _MKL_SET_NUM_THREADS_LOCAL else None  # 0: MKL's global count
    try:
        yield
    finally:
        _OMP_SET_NUM_THREADS(before)
        if mkl_before is not None:
            _MKL_SET_NUM_THREADS_LOCAL(mkl_before)
