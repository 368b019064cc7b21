"""The training loop's parts: the learning-rate schedule and the batch generator."""

import math

import pytest
import torch


@pytest.fixture(scope="module")
def parts(ref):
    import n2n_reference_impl.others.data as data  # loaded by the `ref` fixture
    import n2n_reference_impl.others.schedule as schedule

    return data, schedule


def test_learning_rate_schedule(parts):
    lr = parts[1].learning_rate
    assert lr(0, 100, 1.0, 10, 70) == pytest.approx(0.1)  # warm-up starts above zero
    assert lr(9, 100, 1.0, 10, 70) == pytest.approx(1.0)  # ... and reaches the peak
    assert lr(10, 100, 1.0, 10, 70) == lr(69, 100, 1.0, 10, 70) == 1.0  # held
    assert lr(85, 100, 1.0, 10, 70) == pytest.approx(0.5)  # half-way through the decay
    assert lr(99, 100, 1.0, 10, 70) == pytest.approx(0.5 * (1 + math.cos(math.pi * 29 / 30)))
    values = [lr(s, 100, 1.0, 10, 70) for s in range(10, 100)]
    assert all(a >= b for a, b in zip(values, values[1:])) and values[-1] < 0.01  # decays towards zero
    assert lr(5, 10, 1.0, 1, 0) == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.5)))  # decay from the start


@pytest.mark.parametrize("n, batch", [(7, 100), (130, 50), (100, 100)])
def test_batches_cover_every_pair_once(parts, n, batch):
    """Each epoch visits every pair exactly once; the two copies stay aligned through swaps, flips and transposes."""
    torch.manual_seed(0)
    a = torch.rand(n, 3, 4, 4) * 200
    b = a + 10  # target = input + 10/255 wherever the pixel ends up
    seen, sizes = [], []
    for x, y in parts[0].shuffled_batches(a, b, batch, torch.device("cpu")):
        assert x.dtype == torch.float32 and x.shape[1:] == (3, 4, 4) and y.shape == x.shape
        assert torch.allclose((y - x).abs(), torch.full_like(x, 10 / 255))  # aligned (the swap flips the sign)
        sizes.append(len(x))
        seen.append(torch.minimum(x, y).sum((1, 2, 3)) * 255)  # flips and transposes keep an image's sum
    assert sizes == [batch] * (n // batch) + ([n % batch] if n % batch else [])
    expected = a.sum((1, 2, 3)).sort().values
    assert torch.allclose(torch.cat(seen).sort().values, expected, rtol=1e-5)


def test_dihedral_symmetries_are_eight_and_invertible(ref):
    from n2n_reference_impl.others.symmetry import dihedral, undo_dihedral

    x = torch.rand(2, 3, 4, 6)
    seen = []
    for k in range(4):
        for flip in (False, True):
            y = dihedral(x, k, flip)
            assert torch.equal(undo_dihedral(y, k, flip), x)
            seen.append((tuple(y.shape), tuple(y.reshape(-1).tolist())))
    assert len(set(seen)) == 8  # all different


def test_self_ensemble_of_an_equivariant_map_is_the_map(ref):
    """For f that commutes with rotations and flips (here: elementwise), averaging changes nothing."""
    from n2n_reference_impl.others.symmetry import self_ensemble

    x = torch.rand(2, 3, 5, 7, dtype=torch.float64)
    assert torch.allclose(self_ensemble(lambda t: t.pow(2), x), x.pow(2), rtol=0, atol=1e-15)
    shifted = self_ensemble(lambda t: t.roll(1, dims=3), x)  # not equivariant: the average differs
    assert not torch.allclose(shifted, x.roll(1, dims=3))
