"""From a drawing on the app's canvas to a 28×28 image that looks like MNIST.

A network trained on MNIST has only ever seen digits prepared one way. LeCun's
description of the dataset: each digit was size-normalised to fit a 20×20 box
keeping its aspect ratio (anti-aliasing makes the edges grey), then placed in a
28×28 image so that its centre of mass sits at the centre of the field. A
learner's drawing is usually smaller or off-centre; fed in as it is, it looks
like nothing the network was trained on. :func:`mnist_style` repeats the MNIST
steps and keeps every stage so the app can show them; :func:`naive_resize` is
the shortcut that skips them, for comparison.

Images here are float32 ink intensities in [0, 1] (0 background, 1 full ink),
row-major, ``(rows, cols)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from .config import NORMALIZATIONS
from .prepare import normalize

SIDE = 28  # MNIST image side
BOX = 20  # the digit is scaled to fit a BOX × BOX square
CENTER = 14.0  # centre of mass target, in pixel-index coordinates (MNIST's own mean is 13.99, 14.01)
MIN_INK_PIXELS = 10  # fewer inked pixels than this is a stray click, not a digit
RESAMPLE = Image.Resampling.LANCZOS
# How far a 28×28 image may stray from MNIST's placement before we call it out (see Placement).
SMALL_BELOW = 14.0  # px: under 70% of the 20-px box
LARGE_ABOVE = 24.0  # px: the ink comes within 2 px of the edges, where MNIST keeps at least 4
OFF_CENTRE_ABOVE = 3.0  # px between the centre of mass and the middle (MNIST: well under 1)

# ITU-R 601 luma weights, the ones Pillow uses for RGB -> L.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Stages:
    """Every step of :func:`mnist_style`, as float32 images in [0, 1] for display.

    Attributes
    ----------
    gray : ndarray, shape (H, W)
        The whole drawing as ink intensity.
    cropped : ndarray, shape (h, w)
        The bounding box of the ink, cut out of ``gray``.
    scaled : ndarray, shape (≤20, ≤20)
        ``cropped`` resized so its longer side is 20 px, rescaled so its
        brightest pixel is 1.
    centered : ndarray, shape (28, 28)
        ``scaled`` pasted so its centre of mass sits at (14, 14): the image
        the network sees.
    center_of_mass : tuple of float
        (row, col) of the intensity-weighted centre of mass of ``scaled``.
    shift : tuple of int
        (drow, dcol) where the top-left pixel of ``scaled`` lands in
        ``centered``, so ``center_of_mass + shift`` ≈ (14, 14).
    """

    gray: np.ndarray
    cropped: np.ndarray
    scaled: np.ndarray
    centered: np.ndarray
    center_of_mass: tuple[float, float]
    shift: tuple[int, int]

    @property
    def image(self) -> np.ndarray:
        """The final (28, 28) image, ``centered``."""
        return self.centered


def to_grayscale(rgba: np.ndarray) -> np.ndarray:
    """Ink intensity of a drawing, whatever channels it comes with.

    Parameters
    ----------
    rgba : ndarray, shape (H, W, 4), (H, W, 3) or (H, W)
        Pixel values on the 0..255 scale, uint8 or float. With an alpha
        channel, a transparent pixel counts as black: the canvas leaves the
        background transparent where nothing was drawn.

    Returns
    -------
    ndarray, shape (H, W), float32
        Luminance (times alpha, if given) in [0, 1].
    """
    pixels = np.asarray(rgba, dtype=np.float32) / 255
    if pixels.ndim == 2:
        gray = pixels
    elif pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        gray = pixels[..., :3] @ _LUMA
        if pixels.shape[2] == 4:
            gray = gray * pixels[..., 3]
    else:
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {pixels.shape}")
    return np.clip(gray, 0, 1).astype(np.float32)


def mnist_style(rgba_or_gray: np.ndarray, threshold: float = 0.05) -> Stages | None:
    """Prepare a drawing the way the MNIST digits were prepared.

    Crop to the ink, scale (anti-aliased) so the longer side is 20 px, then
    paste into a 28×28 image with the centre of mass at (14, 14), rounded to
    whole pixels as MNIST did. A thin drawing shrinks to faint grey, so the
    result is rescaled to peak at 1, like MNIST ink; it is not thickened.

    Parameters
    ----------
    rgba_or_gray : ndarray, shape (H, W, 4), (H, W, 3) or (H, W)
        The drawing, values on the 0..255 scale (see :func:`to_grayscale`).
    threshold : float
        Intensity in [0, 1] above which a pixel counts as ink for the
        bounding box.

    Returns
    -------
    Stages or None
        Every stage, the final image in ``.image`` (28, 28) float32; None when
        fewer than ``MIN_INK_PIXELS`` pixels are ink (an empty canvas).
    """
    gray = to_grayscale(rgba_or_gray)
    ink = gray > threshold
    if ink.sum() < MIN_INK_PIXELS:
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    cropped = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]

    h, w = cropped.shape
    factor = BOX / max(h, w)
    size = (max(1, round(h * factor)), max(1, round(w * factor)))
    scaled = _resize(cropped, size)
    if scaled.max() <= 0:
        return None
    scaled = (scaled / scaled.max()).astype(np.float32)

    com = center_of_mass(scaled)
    # Round the translation to whole pixels, and keep the digit inside the frame.
    top = int(np.clip(round(CENTER - com[0]), 0, SIDE - size[0]))
    left = int(np.clip(round(CENTER - com[1]), 0, SIDE - size[1]))
    centered = np.zeros((SIDE, SIDE), dtype=np.float32)
    centered[top:top + size[0], left:left + size[1]] = scaled
    return Stages(gray, cropped, scaled, centered, com, (top, left))


def naive_resize(rgba_or_gray: np.ndarray, threshold: float = 0.05) -> np.ndarray | None:
    """The whole drawing squashed to 28×28: no crop, no centring.

    What you get without the MNIST steps; a small or off-centre digit stays
    small or off-centre. Same resampling and peak-to-1 rescaling as
    :func:`mnist_style`.

    Parameters
    ----------
    rgba_or_gray : ndarray, shape (H, W, 4), (H, W, 3) or (H, W)
        The drawing, values on the 0..255 scale.
    threshold : float
        Ink threshold used only to decide whether the canvas is empty.

    Returns
    -------
    ndarray, shape (28, 28), float32, or None
        None when the drawing is empty, as in :func:`mnist_style`.
    """
    gray = to_grayscale(rgba_or_gray)
    if (gray > threshold).sum() < MIN_INK_PIXELS:
        return None
    small = _resize(gray, (SIDE, SIDE))
    peak = small.max()
    return (small / peak).astype(np.float32) if peak > 0 else None


@dataclass(frozen=True)
class Placement:
    """How the ink of a 28×28 image is placed, next to what every MNIST digit looks like.

    An MNIST digit's longer side is 20 px and its centre of mass sits at the
    middle, (14, 14). The naive resize keeps whatever the canvas had; this
    says, in numbers, how far that is from MNIST, so a page can explain a
    misreading by what actually happened rather than by a guess.

    Attributes
    ----------
    size : float
        Longer side of the ink's bounding box, in pixels.
    offset : float
        Distance from the centre of mass to (14, 14), in pixels.
    """

    size: float
    offset: float

    @property
    def small(self) -> bool:
        """Much smaller than an MNIST digit (longer side under :data:`SMALL_BELOW` px)."""
        return self.size < SMALL_BELOW

    @property
    def large(self) -> bool:
        """Filling the frame, without MNIST's margin (longer side over :data:`LARGE_ABOVE` px)."""
        return self.size > LARGE_ABOVE

    @property
    def off_centre(self) -> bool:
        """Centre of mass more than :data:`OFF_CENTRE_ABOVE` px from the middle."""
        return self.offset > OFF_CENTRE_ABOVE

    @property
    def like_mnist(self) -> bool:
        """About MNIST's size and position: neither small, nor too large, nor off-centre."""
        return not (self.small or self.large or self.off_centre)


def placement(image28: np.ndarray, threshold: float = 0.05) -> Placement | None:
    """Size and position of the ink in a 28×28 image in [0, 1] (e.g. :func:`naive_resize`'s output).

    Parameters
    ----------
    image28 : ndarray, shape (28, 28)
        Ink intensity in [0, 1].
    threshold : float
        Intensity above which a pixel counts as ink for the bounding box.

    Returns
    -------
    Placement or None
        None when no pixel is ink.
    """
    image = np.asarray(image28, dtype=np.float32)
    ink = image > threshold
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    size = float(max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))
    row, col = center_of_mass(image)
    return Placement(size, float(np.hypot(row - CENTER, col - CENTER)))


def to_network_input(image28: np.ndarray, normalization: str) -> np.ndarray:
    """A 28×28 image in [0, 1] as the one-row batch a model expects.

    The pixels are first rounded to 0..255 integers, as the MNIST files store
    them, and then go through :func:`explainer.prepare.normalize`: exactly
    what the model's training images went through.

    Parameters
    ----------
    image28 : ndarray, shape (28, 28) or (784,)
        Ink intensity in [0, 1], e.g. ``mnist_style(...).image``.
    normalization : str
        The model's ``config.normalization``: "unit", "raw" or "standardize".

    Returns
    -------
    ndarray, shape (1, 784), float32
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {normalization!r}; choose from {', '.join(NORMALIZATIONS)}")
    image = np.asarray(image28, dtype=np.float32)
    if image.size != SIDE * SIDE:
        raise ValueError(f"expected a 28×28 image, got shape {image.shape}")
    pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    return normalize(pixels.reshape(1, SIDE * SIDE), normalization)


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted (row, col) centre of a non-blank 2-D image, in pixel indices."""
    total = image.sum()
    rows = np.arange(image.shape[0]) @ image.sum(axis=1) / total
    cols = np.arange(image.shape[1]) @ image.sum(axis=0) / total
    return float(rows), float(cols)


def _resize(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Anti-aliased resize of a float image to ``size`` = (rows, cols), clipped to [0, 1]."""
    picture = Image.fromarray(np.ascontiguousarray(gray, dtype=np.float32))  # mode "F"
    resized = picture.resize((size[1], size[0]), RESAMPLE)  # Pillow sizes are (width, height)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)
