"""A portrait for a demo staff member, drawn rather than downloaded: a head and shoulders on a colour."""

import io

from PIL import Image, ImageDraw

SIZE = 256


def portrait(background: str, skin: str, hair: str, clothes: str, long_hair: bool = False) -> io.BytesIO:
    """A square PNG, to be uploaded through the profile service like any member's picture."""
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    if long_hair:
        draw.rounded_rectangle((66, 60, 190, 214), radius=40, fill=hair)
    draw.ellipse((38, 176, 218, 356), fill=clothes)  # shoulders
    draw.rectangle((110, 140, 146, 190), fill=skin)  # neck
    draw.ellipse((72, 44, 184, 168), fill=hair)  # hair, behind the face
    draw.ellipse((82, 62, 174, 162), fill=skin)  # face
    draw.chord((78, 50, 178, 120), 180, 360, fill=hair)  # fringe
    picture = io.BytesIO()
    image.save(picture, format="PNG")
    picture.seek(0)
    return picture


# Each staff member's colours (background, skin, hair, clothes) and hair length.
LOOKS = {
    "tess": ("#cfe3f5", "#f1c9a5", "#2b2118", "#1c7ed6", True),
    "olivia": ("#e4dcf7", "#8d5524", "#1b1b1b", "#2f9e44", True),
    "ravi": ("#fde7c8", "#c68642", "#3b2a20", "#7048e8"),
}
