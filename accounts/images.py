"""Checking and re-encoding uploaded pictures (avatars, post attachments).

Uploads are re-encoded to WebP, which drops metadata (EXIF, GPS) and anything
smuggled after the image data, so what we serve is only pixels.
"""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps

ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_PIXELS = 4096 * 4096


def validate_image(upload, *, max_bytes: int) -> None:
    """Refuse an upload by size, format and dimensions; `upload` came through a forms.ImageField."""
    if upload.size > max_bytes:
        raise ValidationError(
            f"That picture is {filesizeformat(upload.size)}; the limit is {filesizeformat(max_bytes)}."
        )
    # forms.ImageField has already opened the file with Pillow and kept the result.
    image = upload.image
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError("Upload a JPEG, PNG, GIF or WebP image.")
    if image.width * image.height > MAX_PIXELS:
        raise ValidationError("That picture is too large; use one under 4096 by 4096 pixels.")


def reencode(upload, *, square: int | None = None, max_side: int | None = None) -> tuple[ContentFile, int, int]:
    """Return the picture as WebP, cropped to a square or shrunk to fit, with its size."""
    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original).convert("RGBA")
    if square:
        image = ImageOps.fit(image, (square, square), Image.Resampling.LANCZOS)
    elif max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue()), image.width, image.height
