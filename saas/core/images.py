"""Uploaded images made safe and web-sized with Pillow, before anything is stored.

Every upload is decoded and re-encoded: only JPEG, PNG, GIF and WebP are opened at all
(Pillow's other decoders never see the bytes), the declared size is checked before any
pixel is decoded (a small file can declare a gigantic image: a decompression bomb), the
camera's orientation is applied to the pixels, and the files written carry no EXIF, XMP or
comments, so a photo never tells where or when it was taken. Only the colour profile stays.

Each upload becomes a few widths (`WIDTHS`, never wider than the original): 600 px for
email, 1200 px for the web page, 2400 px for sharp screens (srcset). Photos are written as
JPEG; images with transparency, and PNG/GIF originals (drawings, screenshots), as PNG.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

WIDTHS = (600, 1200, 2400)
OPENED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
JPEG_QUALITY = 82
DIGEST_LENGTH = 32


class ImageRefused(ValueError):
    """The upload is not an image Tend takes; the message is for the practitioner.

    `reason` is "size" (too many bytes or pixels), "type" (not an accepted image) or
    "damaged" (an accepted type that cannot be decoded).
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Variant:
    """One stored width of an image."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class ProcessedImage:
    """An upload made safe: its content digest, file type and every width, largest last."""

    digest: str
    extension: str  # "jpg" or "png"
    variants: tuple[Variant, ...]

    @property
    def stored_bytes(self) -> int:
        """What the variants take up together."""
        return sum(len(v.data) for v in self.variants)


def digest(data: bytes) -> str:
    """The content hash that names an upload's files (hex, 128 bits)."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def size_label(n: int) -> str:
    """Bytes as a person reads them: "80 KB", "4.2 MB", "1 GB"."""
    for unit, size in (("GB", 1_000_000_000), ("MB", 1_000_000)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{max(1, round(n / 1000)) if n else 0} KB"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=OPENED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(
            "That image is too large to process: it has more pixels than we accept.", "size"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageRefused(
            "That file is not an image we can use. Upload a JPEG, PNG, GIF or WebP.", "type"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused("That image is damaged and cannot be read.", "damaged") from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImageRefused(
            f"That image is {width:,} × {height:,} pixels; the most we accept is "
            f"{max_pixels / 1_000_000:g} megapixels. Resize it and try again.",
            "size",
        )
    return image


# EXIF orientation -> the transpose that makes the pixels upright (5 to 8 swap the sides).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SWAPPING = {
    Image.Transpose.TRANSPOSE,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
}
_ORIENTATION = 0x0112


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_ORIENTATION, 1))
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1  # unreadable EXIF: take the pixels as they come


def _decode(image: Image.Image, box: tuple[int, int]) -> tuple[Image.Image, str, bytes | None]:
    """The first frame decoded in RGB or RGBA, its output type and the profile worth keeping.

    A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers `box`, far
    faster than decoding every pixel.
    """
    source_format = image.format
    if source_format == "JPEG":
        image.draft("RGB", box)
    try:
        image.seek(0)
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRefused("That image is damaged and cannot be read.", "damaged") from exc
    profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA") else None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    wanted = "RGBA" if has_alpha else "RGB"
    pixels = image if image.mode == wanted else image.convert(wanted)
    # Nothing read from the file travels on: no EXIF, XMP, comments or text chunks.
    pixels.info = {}
    extension = "png" if has_alpha or source_format in ("PNG", "GIF") else "jpg"
    return pixels, extension, profile


def _encode(image: Image.Image, extension: str, profile: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict = {"icc_profile": profile} if profile else {}
    if extension == "jpg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, **options)
    else:
        image.save(out, "PNG", compress_level=6, **options)
    return out.getvalue()


def widths_for(width: int) -> list[int]:
    """The widths stored for an image `width` px wide: each of WIDTHS below it, and its own
    width (up to the largest of WIDTHS), smallest first."""
    widest = min(width, WIDTHS[-1])
    return [w for w in WIDTHS if w < widest] + [widest]


def process(data: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedImage:
    """Check, clean and resize an upload; ImageRefused says why one is not taken."""
    if len(data) > max_bytes:
        raise ImageRefused(
            f"That image is {size_label(len(data))}; the most we accept is "
            f"{size_label(max_bytes)}. Export a smaller copy and try again.",
            "size",
        )
    if not data:
        raise ImageRefused("That file is empty.", "type")
    image = _open(data, max_pixels)
    turn = _TURNS.get(_orientation(image))
    swapped = turn in _SWAPPING
    upright_width, upright_height = image.size[::-1] if swapped else image.size
    widths = widths_for(upright_width)
    sizes = [(w, max(1, round(upright_height * w / upright_width))) for w in widths]
    # Resize in the file's own orientation and turn only the small results upright.
    raw_sizes = [size[::-1] if swapped else size for size in sizes]
    pixels, extension, profile = _decode(image, raw_sizes[-1])
    variants: list[Variant] = []
    current = pixels
    for (width, height), raw_size in zip(reversed(sizes), reversed(raw_sizes), strict=True):
        if current.size != raw_size:
            # Bicubic looks as sharp as Lanczos when shrinking, in less time.
            current = current.resize(raw_size, Image.Resampling.BICUBIC, reducing_gap=2.0)
        upright = current.transpose(turn) if turn is not None else current
        variants.append(Variant(width, height, _encode(upright, extension, profile)))
    return ProcessedImage(digest(data), extension, tuple(reversed(variants)))
