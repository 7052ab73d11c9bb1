"""The web processes keep freed memory: a page-sized buffer made again costs no page faults."""

import subprocess
import sys

import pytest

# Makes a busy page's worth of bytes a hundred times over and prints the page faults that cost.
FAULTS = """
import resource, sys
from config.malloc import keep_freed_memory
if sys.argv[1] == "kept":
    assert keep_freed_memory()
payload = b"x" * 300_000
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    # As a response is: decompressed, sliced and joined, alive together, then all freed.
    held = [payload[n:] for n in range(1, 4)]
    del held
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> int:
    run = subprocess.run([sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True)
    return int(run.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_page_sized_buffer_made_again_faults_no_pages_in():
    # Each process sets its own thresholds (the "kept" run asserts they were set); this one stays as it was.
    # Without the thresholds the freed buffers go back to the system, and each round faults their
    # pages (about 73 each) in again; with them, only the first round does.
    assert faults("default") > 100 * 50
    assert faults("kept") < 5 * 100
