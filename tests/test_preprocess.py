"""A canvas drawing becomes an MNIST-style digit, checked on real MNIST digits re-drawn on a canvas.

A learner's drawing is simulated by enlarging a real test digit (Pillow, bilinear)
onto a 280×280 RGBA canvas, white on black, at some scale and position.
"""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from explainer import model
from explainer.prepare import normalize, prepare
from explainer.preprocess import (
    MIN_INK_PIXELS,
    Stages,
    center_of_mass,
    mnist_style,
    naive_resize,
    to_grayscale,
    to_network_input,
)
from explainer.presets import PRESETS
from explainer.trainer import run

CANVAS = 280
WHITE = (255, 255, 255, 255)


def on_canvas(digit: np.ndarray, scale: int, top: int, left: int) -> np.ndarray:
    """A (28, 28) uint8 digit enlarged ×scale onto an opaque black (280, 280, 4) canvas."""
    side = 28 * scale
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR))
    canvas = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[top:top + side, left:left + side, :3] = big[..., None]
    return canvas


def ink_box(image: np.ndarray, threshold: float = 0.05) -> tuple[int, int]:
    """(height, width) of the bounding box of pixels above ``threshold``."""
    rows = np.flatnonzero((image > threshold).any(axis=1))
    cols = np.flatnonzero((image > threshold).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def best_correlation_within_one_pixel(a: np.ndarray, b: np.ndarray) -> float:
    """Correlation after the best shift of ``a`` by at most 1 px each way (rounding of the centring)."""
    return max(correlation(np.roll(a, (dr, dc), axis=(0, 1)), b) for dr in (-1, 0, 1) for dc in (-1, 0, 1))


def assert_mnist_like(image: np.ndarray) -> None:
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == pytest.approx(1.0)
    height, width = ink_box(image)
    assert max(height, width) <= 20
    row, col = center_of_mass(image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1


# --- grayscale ---------------------------------------------------------------------------


def test_transparent_background_is_black_and_white_strokes_are_full_ink():
    canvas = np.zeros((6, 6, 4), dtype=np.uint8)
    canvas[:, :, :3] = 255  # white but fully transparent: nothing drawn here
    canvas[2:4, 1:5] = WHITE  # a stroke
    canvas[5, 5] = (255, 255, 255, 128)  # a half-transparent stroke edge
    gray = to_grayscale(canvas)
    assert gray.shape == (6, 6) and gray.dtype == np.float32
    assert np.all(gray[2:4, 1:5] == 1)
    assert gray[5, 5] == pytest.approx(128 / 255)
    assert gray.sum() == pytest.approx(8 + 128 / 255)


def test_rgb_uses_luminance_and_gray_and_float_inputs_are_on_the_0_to_255_scale():
    rgb = np.array([[[255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 0]]], dtype=np.uint8)
    np.testing.assert_allclose(to_grayscale(rgb), [[1, 0.299, 0.587, 0]], atol=1e-6)
    gray = np.array([[0, 51, 255]], dtype=np.uint8)
    np.testing.assert_allclose(to_grayscale(gray), [[0, 0.2, 1]], atol=1e-6)
    np.testing.assert_allclose(to_grayscale(gray.astype(np.float64)), [[0, 0.2, 1]], atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        to_grayscale(np.zeros((4, 4, 2)))


# --- empty drawings ----------------------------------------------------------------------


def test_an_empty_canvas_gives_none():
    black = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    transparent_white = np.full((CANVAS, CANVAS, 4), 255, dtype=np.uint8)
    transparent_white[..., 3] = 0
    for canvas in (black, transparent_white):
        assert mnist_style(canvas) is None
        assert naive_resize(canvas) is None


def test_a_stray_dot_is_empty_but_a_few_pixels_more_are_a_drawing():
    canvas = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    canvas[100, 100:102] = WHITE
    assert mnist_style(canvas) is None and naive_resize(canvas) is None
    canvas[100:101, 100:100 + MIN_INK_PIXELS] = WHITE
    assert isinstance(mnist_style(canvas), Stages)
    assert naive_resize(canvas) is not None


# --- the MNIST steps on re-drawn real digits ---------------------------------------------


def test_a_small_digit_in_the_corner_comes_out_like_the_mnist_original(sample):
    digit = sample.test_images[0]
    stages = mnist_style(on_canvas(digit, scale=4, top=5, left=10))
    assert stages.gray.shape == (CANVAS, CANVAS)
    assert max(stages.cropped.shape) == pytest.approx(80, abs=6)  # 20 px of ink × 4
    assert max(stages.scaled.shape) == 20
    assert stages.image is stages.centered
    assert_mnist_like(stages.image)
    landed = np.add(stages.center_of_mass, stages.shift)
    np.testing.assert_allclose(landed, (14, 14), atol=0.5)
    assert correlation(stages.image, digit) > 0.8


def test_a_full_canvas_digit_comes_out_like_the_mnist_original(sample):
    digit = sample.test_images[1]
    stages = mnist_style(on_canvas(digit, scale=10, top=0, left=0))
    assert_mnist_like(stages.image)
    assert correlation(stages.image, digit) > 0.8


def test_many_redrawn_digits_match_their_originals(sample):
    scores = [best_correlation_within_one_pixel(mnist_style(on_canvas(digit, 4, 10, 20)).image, digit)
              for digit in sample.test_images[:100]]
    assert min(scores) > 0.8
    assert np.median(scores) > 0.95


def test_a_real_mnist_digit_passes_through_unchanged(sample):
    # MNIST digits already went through these steps; doing them again changes nothing.
    digit = sample.test_images[2]
    stages = mnist_style(digit)
    expected = digit / digit.max()
    np.testing.assert_allclose(stages.image, expected, atol=1e-5)


def test_a_digit_whose_mass_sits_in_a_corner_is_kept_inside_the_frame():
    # A heavy blob top-left with a faint tail: the exact centring would push the
    # tail off the bottom-right edge, so the shift is clamped instead.
    drawing = np.zeros((200, 200), dtype=np.uint8)
    drawing[:60, :60] = 255
    drawing[60:, 190:] = 40
    drawing[190:, 60:] = 40
    stages = mnist_style(drawing)
    assert stages.scaled.shape == (20, 20)
    assert stages.shift == (8, 8)
    assert stages.centered.sum() == pytest.approx(stages.scaled.sum(), rel=1e-5)


def test_a_hairline_drawing_is_rescaled_to_full_ink_not_thickened():
    canvas = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    canvas[40:240, 140] = WHITE  # a one-pixel "1"
    canvas[40, 120:141] = WHITE
    stages = mnist_style(canvas)
    assert stages.image.max() == pytest.approx(1.0)
    assert ink_box(stages.image)[0] == 20
    assert ink_box(stages.image[10:20])[1] <= 2  # the stem stays a thin line


def test_naive_resize_keeps_a_small_corner_digit_small_and_in_the_corner(sample):
    image = naive_resize(on_canvas(sample.test_images[0], scale=3, top=0, left=0))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.max() == pytest.approx(1.0)
    assert image[12:, :].max() <= 0.05 and image[:, 12:].max() <= 0.05
    assert max(ink_box(image)) <= 9


# --- the network's input -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["unit", "raw", "standardize"])
def test_network_input_matches_the_training_normalisation(sample, method):
    scale = 255 if method == "raw" else 1
    for digit in sample.test_images[:20]:
        got = to_network_input(digit / 255, method)
        assert got.shape == (1, 784) and got.dtype == np.float32
        np.testing.assert_allclose(got / scale, normalize(digit[None], method) / scale, atol=1 / 255)
    drawn = mnist_style(on_canvas(sample.test_images[3], 5, 30, 40)).image
    as_uint8 = (drawn * 255).round().astype(np.uint8)
    np.testing.assert_allclose(to_network_input(drawn, method) / scale,
                               normalize(as_uint8[None], method) / scale, atol=1 / 255)


def test_network_input_rejects_unknown_normalisation_and_wrong_shape():
    with pytest.raises(ValueError, match="normalization"):
        to_network_input(np.zeros((28, 28)), "minmax")
    with pytest.raises(ValueError, match="28"):
        to_network_input(np.zeros((20, 20)), "unit")
    assert not to_network_input(np.zeros((28, 28)), "standardize").any()  # a blank image stays 0


# --- recognition: what the preprocessing is for --------------------------------------------


@pytest.fixture(scope="module")
def trained(sample):
    """The recommended network trained for 3 epochs on the sample (a few seconds)."""
    config = PRESETS["recommended"].config.replace(epochs=3)
    splits = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels, config)
    return run(config, splits)


def accuracy(trained, images: list[np.ndarray], labels: np.ndarray) -> float:
    config = trained.config
    X = np.concatenate([to_network_input(image, config.normalization) for image in images])
    return float((model.predict(trained.params, X, config) == labels).mean())


def test_small_off_centre_digits_are_recognised_as_well_as_mnist_after_preprocessing(sample, trained):
    rng = np.random.default_rng(7)
    chosen = rng.choice(len(sample.test_labels), size=200, replace=False)
    labels = sample.test_labels[chosen]
    originals, preprocessed, naive = [], [], []
    for index in chosen:
        digit = sample.test_images[index]
        scale = int(rng.integers(3, 10))  # 84 to 252 px on a 280 px canvas
        top, left = rng.integers(0, CANVAS - 28 * scale + 1, size=2)
        canvas = on_canvas(digit, scale, top, left)
        originals.append(digit / 255)
        preprocessed.append(mnist_style(canvas).image)
        naive.append(naive_resize(canvas))
    original_accuracy = accuracy(trained, originals, labels)
    mnist_accuracy = accuracy(trained, preprocessed, labels)
    naive_accuracy = accuracy(trained, naive, labels)
    assert original_accuracy > 0.85
    assert mnist_accuracy >= original_accuracy - 0.05
    assert naive_accuracy < original_accuracy - 0.15


def thick_stroke(digit: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """A 0, 1 or 7 drawn like on the app's canvas: 18 px white strokes on a transparent background."""
    canvas = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    pen = ImageDraw.Draw(canvas)
    x0, y0, x1, y1 = box
    if digit == 0:
        pen.ellipse(box, outline=WHITE, width=18)
    elif digit == 1:
        pen.line(((x0 + x1) // 2, y0, (x0 + x1) // 2, y1), fill=WHITE, width=18)
    else:
        pen.line((x0, y0, x1, y0, (x0 + x1) // 2, y1), fill=WHITE, width=18, joint="curve")
    return np.asarray(canvas)


def test_thick_stroke_drawings_of_any_size_and_place_are_recognised(trained):
    boxes = [(60, 30, 200, 250), (20, 20, 90, 110), (170, 160, 260, 270), (100, 100, 150, 160)]
    cases = [(digit, box) for digit in (0, 1, 7) for box in boxes]
    correct = 0
    for digit, box in cases:
        image = mnist_style(thick_stroke(digit, box)).image
        assert_mnist_like(image)
        correct += int(accuracy(trained, [image], np.array([digit])))
    assert correct >= len(cases) - 1


# --- placement: how far an image is from MNIST's size and centring (added with the Draw page's wording) --------

def test_real_mnist_digits_are_placed_like_mnist(sample):
    from explainer.preprocess import placement

    placed = [placement(sample.test_images[i] / 255) for i in range(100)]
    assert all(p.like_mnist for p in placed)
    assert all(abs(p.size - 20) <= 1 and p.offset < 1 for p in placed)


def test_placement_says_small_large_and_off_centre():
    from explainer.preprocess import placement

    image = np.zeros((28, 28), np.float32)
    image[2:8, 2:6] = 1  # a small blob in the top-left corner
    corner = placement(image)
    assert corner.small and corner.off_centre and not corner.large and not corner.like_mnist
    assert corner.size == 6 and corner.offset == pytest.approx(np.hypot(14 - 4.5, 14 - 3.5))
    full = np.zeros((28, 28), np.float32)
    full[1:27, 1:27] = 1
    assert placement(full).large and not placement(full).off_centre
    assert placement(np.zeros((28, 28), np.float32)) is None
