"""The text always has a font: DejaVu from the system, else Pillow's embedded face written out."""

from pathlib import Path

import pytest
from PIL import ImageFont

from songforge.engines.video import fonts
from songforge.engines.video.fonts import prepare_fonts


def test_without_system_fonts_pillows_face_is_written_and_loadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fonts, "DEJAVU_FILES", (tmp_path / "missing.ttf",))
    font = prepare_fonts(tmp_path / "fonts")
    [written] = list(font.directory.iterdir())
    assert ImageFont.truetype(str(written), 20).getname()[0] == font.family


@pytest.mark.skipif(not all(path.is_file() for path in fonts.DEJAVU_FILES), reason="DejaVu is not installed")
def test_system_dejavu_is_used_when_present(tmp_path: Path) -> None:
    font = prepare_fonts(tmp_path / "fonts")
    assert font.family == "DejaVu Sans"
    assert sorted(path.name for path in font.directory.iterdir()) == ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf"]
