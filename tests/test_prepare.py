"""From raw MNIST arrays to the float32 matrices a run trains on: splits and input scaling."""

import numpy as np
import pytest

from explainer.config import RunConfig
from explainer.prepare import normalize, prepare


def numbered_images(count, rng):
    """uint8 images (count, 28, 28) whose first two pixels spell their own index (raw scaling reads it back)."""
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(count) % 256
    images[:, 0, 1] = np.arange(count) // 256
    return images


def index_of(X):
    """Recover the image numbers written by :func:`numbered_images` from raw float rows."""
    return (X[:, 0] + 256 * X[:, 1]).astype(np.int64)


@pytest.fixture(scope="module")
def full_size():
    rng = np.random.default_rng(0)
    return (numbered_images(60_000, rng), rng.integers(0, 10, 60_000, dtype=np.uint8),
            numbered_images(10_000, rng), rng.integers(0, 10, 10_000, dtype=np.uint8))


def test_train_tail_is_50k_train_10k_validation_10k_test(full_size):
    train_images, train_labels, test_images, test_labels = full_size
    splits = prepare(*full_size, RunConfig(validation="train_tail", normalization="raw"))
    assert splits.sizes == "50,000 train / 10,000 validation / 10,000 test"
    assert np.array_equal(index_of(splits.X_train), np.arange(50_000))
    assert np.array_equal(index_of(splits.X_val), np.arange(50_000, 60_000))  # the last 10k training images
    assert np.array_equal(index_of(splits.X_test), np.arange(10_000))
    assert np.array_equal(splits.y_train, train_labels[:50_000])
    assert np.array_equal(splits.y_val, train_labels[50_000:])
    assert np.array_equal(splits.y_test, test_labels)


def test_test_half_is_60k_train_and_the_test_set_cut_in_two(full_size):
    train_images, train_labels, test_images, test_labels = full_size
    splits = prepare(*full_size, RunConfig(validation="test_half", normalization="raw"))
    assert splits.sizes == "60,000 train / 5,000 validation / 5,000 test"
    assert np.array_equal(index_of(splits.X_train), np.arange(60_000))
    assert np.array_equal(index_of(splits.X_val), np.arange(5_000))  # validation is the FIRST half of test
    assert np.array_equal(index_of(splits.X_test), np.arange(5_000, 10_000))
    assert np.array_equal(splits.y_val, test_labels[:5_000])
    assert np.array_equal(splits.y_test, test_labels[5_000:])


@pytest.mark.parametrize("validation", ["train_tail", "test_half"])
def test_train_size_keeps_the_first_n_training_images_only(validation, full_size):
    whole = prepare(*full_size, RunConfig(validation=validation, normalization="raw"))
    subset = prepare(*full_size, RunConfig(validation=validation, normalization="raw", train_size=1234))
    assert np.array_equal(index_of(subset.X_train), np.arange(1234))
    assert np.array_equal(subset.y_train, whole.y_train[:1234])
    assert np.array_equal(subset.X_val, whole.X_val) and np.array_equal(subset.X_test, whole.X_test)


def test_real_mnist_splits(full_mnist):
    arrays = (full_mnist.train_images, full_mnist.train_labels, full_mnist.test_images, full_mnist.test_labels)
    tail = prepare(*arrays, RunConfig(validation="train_tail"))
    assert tail.sizes == "50,000 train / 10,000 validation / 10,000 test"
    assert np.array_equal(tail.y_val, full_mnist.train_labels[50_000:])
    assert np.array_equal(tail.X_val[-1], normalize(full_mnist.train_images[-1:], "unit")[0])
    half = prepare(*arrays, RunConfig(validation="test_half", train_size=20_000))
    assert half.sizes == "20,000 train / 5,000 validation / 5,000 test"
    assert np.array_equal(half.y_val, full_mnist.test_labels[:5_000])
    assert np.array_equal(half.y_test, full_mnist.test_labels[5_000:])


def test_splits_are_float32_rows_and_int64_labels(sample):
    splits = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels, RunConfig())
    for X, y in ((splits.X_train, splits.y_train), (splits.X_val, splits.y_val), (splits.X_test, splits.y_test)):
        assert X.dtype == np.float32 and X.ndim == 2 and X.shape[1] == 784
        assert y.dtype == np.int64 and y.shape == (X.shape[0],)


def test_the_sample_splits_in_the_same_proportions(sample):
    tail = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels,
                   RunConfig(validation="train_tail"))
    assert (len(tail.y_train), len(tail.y_val), len(tail.y_test)) == (6_667, 1_333, 2_000)
    half = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels,
                   RunConfig(validation="test_half"))
    assert (len(half.y_train), len(half.y_val), len(half.y_test)) == (8_000, 1_000, 1_000)


def test_train_size_larger_than_the_data_keeps_everything(sample):
    splits = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels,
                     RunConfig(validation="test_half", train_size=60_000))
    assert len(splits.y_train) == 8_000


# --- input scaling -------------------------------------------------------------------------


def test_unit_scaling_divides_by_255_into_0_1(sample):
    images = sample.train_images[:200]
    X = normalize(images, "unit")
    assert X.dtype == np.float32 and X.shape == (200, 784)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X, images.reshape(200, -1) / 255.0, rtol=1e-6)


def test_standardize_gives_each_image_mean_0_and_std_1(sample):
    X = normalize(sample.train_images[:200], "standardize")
    assert X.dtype == np.float32
    np.testing.assert_allclose(X.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=1), 1.0, rtol=1e-4)


def test_standardize_leaves_a_blank_image_at_zero_without_nan():
    images = np.zeros((3, 28, 28), np.uint8)
    images[1] = 200  # a uniformly grey image has no spread either
    images[2, 5, 5] = 255
    with np.errstate(all="raise"):
        X = normalize(images, "standardize")
    assert np.all(np.isfinite(X))
    assert not X[0].any() and not X[1].any()
    assert X[2].std() == pytest.approx(1.0, rel=1e-4)


def test_raw_keeps_the_pixel_values_0_to_255(sample):
    images = sample.train_images[:200]
    X = normalize(images, "raw")
    assert X.dtype == np.float32
    assert X.max() == 255.0 and X.min() == 0.0
    assert np.array_equal(X, images.reshape(200, -1).astype(np.float32))


@pytest.mark.parametrize("method", ["unit", "standardize", "raw"])
def test_images_or_flat_rows_give_the_same_matrix_and_the_input_is_untouched(method, sample):
    images = sample.train_images[:20]  # read-only: an in-place edit would raise
    flat = np.ascontiguousarray(images.reshape(20, 784))
    assert np.array_equal(normalize(images, method), normalize(flat, method))
    assert np.array_equal(flat, images.reshape(20, 784))


def test_prepare_scales_every_split_the_same_way(sample):
    splits = prepare(sample.train_images, sample.train_labels, sample.test_images, sample.test_labels,
                     RunConfig(normalization="standardize", validation="test_half"))
    assert np.array_equal(splits.X_val, normalize(sample.test_images[:1000], "standardize"))
    np.testing.assert_allclose(splits.X_test.mean(axis=1), 0.0, atol=1e-5)
