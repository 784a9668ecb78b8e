"""tile_images: the one image tiling behind every grid of samples in the book."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from ganlib.book.plotting import plot_image_grid, plot_image_rows, tile_images  # noqa: E402


def test_flat_images_tile_row_major_with_gaps():
    images = torch.stack([torch.full((4,), float(k)) for k in range(6)])  # six 2x2 images
    grid = tile_images(images, 2, 3)
    assert grid.shape == (5, 8)
    assert grid[0, 0] == 0 and grid[0, 3] == 1 and grid[3, 6] == 5 and grid[2, 0] == 1  # gap row is white
    framed = tile_images(images, 2, 3, border=True)
    assert framed.shape == (7, 10) and framed[0, 0] == 1 and framed[1, 1] == 0
    with pytest.raises(ValueError, match="rows \\* cols"):
        tile_images(images, 2, 2)


def test_pixels_land_where_they_belong_and_gaps_take_their_value():
    a, b = torch.zeros(3, 4), torch.ones(3, 4)
    a[1, 3] = 0.5
    out = tile_images(torch.cat([a, b]), 2, 3, gap=0.25)
    assert out[1, 4] == 0.5  # image 1 of row 0, pixel (1, 1)
    assert (out[3:5, 0:2] == 1).all() and out[0, 2] == 0.25  # row 1's first image and a gap


def test_colour_images_keep_their_channels():
    x = torch.rand(4, 3, 5, 6)
    grid = tile_images(x, 2, 2)
    assert grid.shape == (11, 13, 3)
    assert torch.equal(torch.from_numpy(grid[6:11, 7:13]).permute(2, 0, 1), x[3])


def test_the_plots_refuse_what_they_cannot_draw():
    fig, ax = plt.subplots()
    plot_image_grid(ax, torch.rand(6, 784), 2, 3, highlight_last_column=True)
    with pytest.raises(ValueError, match="labels must name every row"):
        plot_image_rows(ax, [torch.rand(2, 784)], ["a", "b"])
    with pytest.raises(ValueError, match="one shape"):
        plot_image_rows(ax, [torch.rand(2, 784), torch.rand(3, 784)], ["a", "b"])
    plt.close(fig)
