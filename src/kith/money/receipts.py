"""Receipt photos: checked to be an image by their content, downscaled, stripped of EXIF
(location, camera, time) by re-encoding only the pixels, encrypted with Kith's keys and kept
under var/receipts. Only `open_receipt()` decrypts, and only the receipt view calls it."""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kith.core import crypto
from kith.money.ledger import MoneyError

MAX_UPLOAD = 10 * 1024 * 1024
LONGEST_SIDE = 1600
# Decompression bombs: a tiny file that claims to be a huge picture.
MAX_PIXELS = 60_000_000
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO", "HEIF"}


@dataclass(frozen=True)
class CleanImage:
    data: bytes  # a JPEG with no metadata at all
    width: int
    height: int
    upload_sha256: str
    pixels_sha256: str


def receipts_dir() -> Path:
    path = Path(getattr(settings, "KITH_RECEIPTS_DIR", settings.VAR_DIR / "receipts"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def clean(upload) -> CleanImage:
    """The photo, made safe to keep, or MoneyError with a message for the receipt field."""
    if upload is None:
        raise MoneyError(_("Add a photo of the receipt."), "receipt")
    if upload.size > MAX_UPLOAD:
        raise MoneyError(_("The photo is bigger than 10 MB. Take it again, or choose a smaller "
                           "size in your phone's camera settings."), "receipt")
    raw = upload.read()
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in FORMATS:
                raise UnidentifiedImageError
            if probe.width * probe.height > MAX_PIXELS:
                raise UnidentifiedImageError
            probe.verify()
        opened = Image.open(io.BytesIO(raw))
        # Keep it the right way up before the EXIF that says which way up goes.
        image = (ImageOps.exif_transpose(opened) or opened).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise MoneyError(_("That file is not a photo Kith can read. Take a photo of the receipt "
                           "(JPEG or PNG) and try again."), "receipt") from None
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    # A new image from the pixels alone: nothing of the original's metadata can come along.
    bare = Image.new("RGB", image.size)
    bare.paste(image)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=80, optimize=True)
    return CleanImage(out.getvalue(), bare.width, bare.height, hashlib.sha256(raw).hexdigest(),
                      hashlib.sha256(bare.tobytes()).hexdigest())


def store(image: CleanImage) -> str:
    """Encrypt and write the photo; returns its file name."""
    name = f"{uuid.uuid4().hex}.receipt"
    token = crypto.fernet().encrypt(image.data)
    path = receipts_dir() / name
    with open(path, "xb") as handle:
        handle.write(token)
    path.chmod(0o600)
    return name


def open_receipt(name: str) -> bytes:
    token = (receipts_dir() / name).read_bytes()
    return crypto.fernet().decrypt(token)


def remove(name: str) -> None:
    (receipts_dir() / name).unlink(missing_ok=True)
