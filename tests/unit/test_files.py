"""Writing a file in one step (pipelines.files.replacing)."""

import pytest

from pipelines.files import TEMP_PREFIX, replacing


def test_a_file_is_replaced_whole_or_left_as_it_was(tmp_path):
    target = tmp_path / "out" / "report.html"
    with replacing(target, mode=0o644) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(TEMP_PREFIX)
        assert tmp.suffix == ".html" and not tmp.exists()  # GDAL creates it itself
        tmp.write_text("first")
        assert not target.exists()  # a reader sees nothing until the block ends
    assert target.read_text() == "first" and target.stat().st_mode & 0o777 == 0o644
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("the writer failed")
    assert target.read_text() == "first"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temporary left
