"""Image files for upload tests, made in memory: camera photos with GPS, bombs, non-images."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

# Where the "camera" says the photo was taken: a therapist's practice, say.
GPS = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="51,30.43N" exif:GPSLongitude="0,7.65W"/></rdf:RDF></x:xmpmeta>'
)


def photo(
    width: int = 1600, height: int = 1200, orientation: int | None = None, shade: int = 0
) -> bytes:
    """A JPEG as a phone writes it: EXIF with camera, time and GPS position, and XMP."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    if shade:
        image.paste((shade, 40, 90), (0, 0, width // 3, height // 3))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0132] = "2026:11:02 09:14:00"  # DateTime
    exif[0x8825] = GPS  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes(), xmp=XMP)
    return out.getvalue()


def png_with_transparency(width: int = 800, height: int = 400) -> bytes:
    """A logo-like PNG with see-through parts and a text chunk."""
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste((47, 111, 94, 255), (0, 0, width // 2, height))
    info = PngInfo()
    info.add_text("Comment", "drawn at 12 Harley Street")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG that declares a gigantic image (a decompression bomb): a few hundred bytes
    that would need gigabytes once decoded."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 16, 9)  # a few rows of zeros
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def bmp(width: int = 64, height: int = 64) -> bytes:
    """A BMP: an image, but not a type Tend takes."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, "BMP")
    return out.getvalue()


NOT_IMAGES = {
    "notes.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n",
    "photo.jpg": b"This is a text file with an image's name.\n",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
}
