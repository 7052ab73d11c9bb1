from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.images import reencode, validate_image
from community import permissions
from community.models import Attachment


def upload_attachment(uploader, *, image) -> Attachment:
    """Store a picture for a post; it comes back as Markdown the editor inserts."""
    if not permissions.is_member(uploader):
        raise PermissionDenied("Sign in to upload pictures.")
    if refusal := permissions.posting_refusal(uploader):
        raise PermissionDenied(refusal)
    if not permissions.can_upload_images(uploader):
        raise PermissionDenied("New members can post pictures once they have taken part a little (trust level 1).")
    validate_image(image, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    picture, width, height = reencode(image, max_side=settings.ATTACHMENT_MAX_SIDE)
    with transaction.atomic():
        attachment = Attachment(uploader=uploader, width=width, height=height, size=picture.size)
        attachment.file.save("picture.webp", picture, save=False)
        attachment.save()
    return attachment
