"""The CRI log format the launcher writes and the kubelet reads: entries, fragments and times."""

import io

import pytest

from kinns.apimachinery.meta import rfc3339_ns
from kinns.node.kubelet import crilog

STAMP = 1_764_000_000_123_456_789  # 2025-11-24T16:00:00.123456789Z


def test_a_chunk_becomes_full_lines_and_a_fragment():
    data = crilog.encode("stderr", b"one\ntwo\nthr", STAMP)
    assert data == (b"2025-11-24T16:00:00.123456789Z stderr F one\n"
                    b"2025-11-24T16:00:00.123456789Z stderr F two\n"
                    b"2025-11-24T16:00:00.123456789Z stderr P thr\n")
    entries = crilog.entries(data + crilog.encode("stderr", b"ee\n", STAMP + 1))
    assert b"".join(e.text for e in entries) == b"one\ntwo\nthree\n"
    assert [e.partial for e in entries] == [False, False, True, False]
    assert entries[-1].stamp == STAMP + 1 and entries[0].stream == "stderr"


def test_an_empty_line_and_text_with_spaces_survive():
    entries = crilog.entries(crilog.encode("stdout", b"\na  b \n", STAMP))
    assert [e.text for e in entries] == [b"\n", b"a  b \n"]


def test_lines_that_are_not_entries_and_unfinished_ones_are_skipped():
    assert crilog.decode(b"plain text from elsewhere") is None
    assert crilog.decode(b"2025-11-24T16:00:00Z stdin F x") is None
    whole = crilog.encode("stdout", b"done\n", STAMP)
    assert [e.text for e in crilog.entries(whole + whole[:20])] == [b"done\n"]


def test_a_reader_waits_for_the_end_of_a_line_being_written():
    file = io.BytesIO()
    reader = crilog.Reader(file)
    entry = crilog.encode("stdout", b"hello\n", STAMP)
    file.write(entry[:10])
    file.seek(0)
    assert reader.read() == []
    file.write(entry[10:])
    file.seek(10)
    assert [e.text for e in reader.read()] == [b"hello\n"]


def test_rendering_with_and_without_times():
    entry = crilog.entries(crilog.encode("stdout", b"x\n", STAMP))[0]
    assert crilog.render(entry, False) == b"x\n"
    assert crilog.render(entry, True) == b"2025-11-24T16:00:00.123456789Z x\n"


@pytest.mark.parametrize("text,ns", [
    ("2025-11-24T16:00:00Z", 1_764_000_000_000_000_000),
    ("2025-11-24T16:00:00.5Z", 1_764_000_000_500_000_000),
    ("2025-11-24T17:00:00.123456789+01:00", STAMP),
    ("2025-11-24T16:00:00.123456789123Z", STAMP)])
def test_rfc3339_times_to_nanoseconds(text, ns):
    assert rfc3339_ns(text) == ns


@pytest.mark.parametrize("text", ["yesterday", "2025-11-24T16:00:00", "2025-11-24 16:00:00Z"])
def test_what_is_not_rfc3339_is_refused(text):
    with pytest.raises(ValueError):
        rfc3339_ns(text)
