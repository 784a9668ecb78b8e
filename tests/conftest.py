"""Fixtures shared by the tests."""
import pytest
import torch


@pytest.fixture
def one_thread():
    """One CPU thread: several times faster for tiny networks on a shared machine, and the thread count
    chapter 07 and the Figure 1 chapter use on a CPU (it changes floating-point sums, so chaotic runs too)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
