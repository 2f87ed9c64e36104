"""A reporter's photos: bounded, checked to be what they claim, re-encoded without metadata.

Only JPEG and PNG are taken. Pillow decodes the picture (refusing decompression bombs by a
pixel bound), turns it upright by its EXIF orientation, and writes the pixels alone into a new
file: no EXIF (GPS, camera, owner), no XMP, no ICC, no text chunks.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from exitmap.errors import UserError

MAX_PHOTOS = 3
MAX_INPUT_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
LONGEST_SIDE = 2000
MAX_STORED_BYTES = 2_000_000  # the database's CHECK too (migration 0007)
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


class PhotoError(UserError):
    """A photo that cannot be taken: not an image, the wrong type, too large."""


@dataclass(frozen=True)
class Photo:
    media_type: str
    content: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean_photo(data: bytes, name: str = "照片") -> Photo:
    """The photo re-encoded without metadata, or PhotoError naming it."""
    if len(data) > MAX_INPUT_BYTES:
        raise PhotoError(f"{name}：文件超过 {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in FORMATS:
                raise PhotoError(f"{name}：只接受 JPEG 或 PNG 图片，收到 {kind or '未知格式'}")
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(f"{name}：图片像素过多（{probe.width}×{probe.height}）")
            probe.load()
            upright = ImageOps.exif_transpose(probe)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError(f"{name}：不是可识别的图片文件") from None
    upright.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    # A new image from the pixels alone: nothing of the original file's chunks comes along.
    mode = "RGB" if kind == "JPEG" else ("RGBA" if "A" in upright.getbands() else "RGB")
    pixels = upright.convert(mode)
    bare = Image.new(mode, pixels.size)
    bare.paste(pixels)
    for quality in (85, 70, 55):
        out = io.BytesIO()
        if kind == "JPEG":
            bare.save(out, "JPEG", quality=quality, optimize=True)
        else:
            bare.save(out, "PNG", optimize=True)
        if out.tell() <= MAX_STORED_BYTES:
            return Photo(FORMATS[kind], out.getvalue(), bare.width, bare.height)
        if kind == "PNG":
            break
    raise PhotoError(f"{name}：压缩后仍超过 {MAX_STORED_BYTES // 1_000_000} MB，请换一张较小的图片")
