"""The networks: the paper's G and D for MNIST (Section 5), the TFD and CIFAR-10 networks, MLPs for the toys,
and several seeds' copies of one network stacked into one batched network.

Read from the authors' configurations (paper-facts.md; mnist.yaml, tfd_pretrain/pretrain.yaml,
cifar10_fully_connected.yaml, cifar10_convolutional.yaml in goodfeli/adversarial). Every width is a parameter,
so the same classes serve the faithful sizes (on a GPU) and scaled-down ones (tests, CPU runs). Every
discriminator returns a logit l, with D(x) = sigmoid(l); losses.py works on logits.
"""
from __future__ import annotations

import copy

import torch
from torch import nn


class Maxout(nn.Module):
    """Maxout layer (Goodfellow et al., 2013): the max over `pieces` affine maps, `units` outputs."""

    def __init__(self, in_features: int, units: int, pieces: int) -> None:
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).unflatten(-1, (self.units, self.pieces)).amax(dim=-1)  # any leading dims


def _uniform_init(module: nn.Module, irange: float) -> None:
    """pylearn2's `irange`: weights uniform on [-irange, irange], biases zero."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.uniform_(layer.weight, -irange, irange)
            nn.init.zeros_(layer.bias)


class MNISTGenerator(nn.Module):
    """G for MNIST: z (100) -> 1200 ReLU -> 1200 ReLU -> 784 sigmoid (Section 5; mnist.yaml).

    Weights uniform in [-0.05, 0.05]; the output bias is the logit of each pixel's training-set mean,
    so the untrained G already outputs the average digit. No dropout.
    """

    def __init__(self, noise_dim: int = 100, hidden: int = 1200, out_features: int = 784,
                 irange: float = 0.05, pixel_means: torch.Tensor | None = None) -> None:
        super().__init__()
        self.noise_dim = noise_dim
        self.net = nn.Sequential(
            nn.Linear(noise_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, out_features),
        )
        _uniform_init(self, irange)
        if pixel_means is not None:
            set_output_bias_from_means(self.net[-1], pixel_means)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z))


def set_output_bias_from_means(layer: nn.Linear, pixel_means: torch.Tensor, eps: float = 1e-7) -> None:
    """Bias = logit(mean clipped to [eps, 1 - eps]), as pylearn2's init_bias_target_marginals."""
    if pixel_means.shape != layer.bias.shape:
        raise ValueError(f"pixel_means must have shape {tuple(layer.bias.shape)}, got {tuple(pixel_means.shape)}")
    with torch.no_grad():
        layer.bias.copy_(torch.logit(pixel_means.clamp(eps, 1 - eps)))


class MaxoutDiscriminator(nn.Module):
    """D for MNIST: maxout 240x5 -> maxout 240x5 -> 1 sigmoid, returning the logit.

    Inverted dropout on the input of every layer: keep 0.8 on the pixels, 0.5 before the second maxout
    layer and before the output unit. Weights uniform in [-0.005, 0.005].
    """

    def __init__(self, in_features: int = 784, units: int = 240, pieces: int = 5,
                 keep: tuple[float, float, float] = (0.8, 0.5, 0.5), irange: float = 0.005) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Dropout(1 - keep[0]), Maxout(in_features, units, pieces),
            nn.Dropout(1 - keep[1]), Maxout(units, units, pieces),
            nn.Dropout(1 - keep[2]), nn.Linear(units, 1),
        )
        _uniform_init(self, irange)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class MLP(nn.Module):
    """A plain fully connected network for the toy problems (G maps z to x; D returns a logit)."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 32, layers: int = 2,
                 activation: type[nn.Module] = nn.LeakyReLU, squeeze: bool = False) -> None:
        super().__init__()
        dims = [in_features] + [hidden] * layers
        blocks: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(a, b), activation()]
        self.net = nn.Sequential(*blocks, nn.Linear(dims[-1], out_features))
        self.squeeze = squeeze

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        return out.squeeze(-1) if self.squeeze else out


# --- the larger networks of the paper's Section 5 (TFD, CIFAR-10) ----------------------------------
TFD_MAX_NORM = 1.9365  # max_col_norm of every layer of both nets in the TFD configuration


# --- constraints and initialisations -----------------------------------------------------------------
@torch.no_grad()
def max_norm_(module: nn.Module, max_norm: float = TFD_MAX_NORM) -> nn.Module:
    """pylearn2's `max_col_norm`: rescale each unit's incoming weight vector to norm <= max_norm, in place.

    pylearn2 stores W as (inputs, units), so a "column" is one unit's weights; torch's nn.Linear stores
    (units, inputs), so here it is a row (for a maxout layer, one row per piece). Rows under the bound are
    left unchanged; biases are never constrained. Apply it after every update (see `constrain_after_steps`).
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            norms = layer.weight.norm(dim=1, keepdim=True)
            layer.weight.mul_((max_norm / norms.clamp_min(1e-12)).clamp(max=1.0))
    return module


def constrain_after_steps(optimizer: torch.optim.Optimizer, module: nn.Module,
                          max_norm: float = TFD_MAX_NORM) -> torch.utils.hooks.RemovableHandle:
    """Apply `max_norm_(module)` after every `optimizer.step()`, as pylearn2 modifies each update.

    Use it on a Trainer's optimisers: `constrain_after_steps(trainer.opt_d, trainer.D)`.
    """
    max_norm_(module, max_norm)  # validates max_norm
    return optimizer.register_step_post_hook(lambda opt, args, kwargs: max_norm_(module, max_norm))


@torch.no_grad()
def sparse_init_(layer: nn.Linear, nonzero: int, std: float = 1.0) -> nn.Linear:
    """pylearn2's `sparse_init`: each unit gets `nonzero` incoming weights drawn from N(0, std^2), the rest 0."""
    n_in = layer.in_features
    if not 1 <= nonzero <= n_in:
        raise ValueError(f"nonzero must lie in [1, {n_in}] (the layer's inputs), got {nonzero!r}")
    layer.weight.zero_()
    for row in layer.weight:
        idx = torch.randperm(n_in)[:nonzero]
        row[idx] = torch.randn(nonzero) * std
    return layer


# --- TFD -------------------------------------------------------------------------------------------------
class TFDGenerator(nn.Module):
    """G of the TFD run's first stage (pretrain.yaml): z -> ReLU h -> sigmoid h -> sigmoid pixels.

    Paper sizes: noise 100 (Gaussian), h = 8000, 2304 = 48x48 pixels. Hidden weights uniform in
    [-0.05, 0.05]; the sigmoid layer's bias starts at -2; the output layer has sparse initialisation
    (100 nonzero N(0, 1) weights per pixel, fewer if h < 100) and its bias is the logit of the pixel means.
    The authors then prepended ReLU 8000 -> sigmoid 100 and trained 22 more epochs; that second stage is
    not built here.
    """

    def __init__(self, noise_dim: int = 100, hidden: int = 8000, out_features: int = 2304,
                 pixel_means: torch.Tensor | None = None, sparse: int = 100, irange: float = 0.05) -> None:
        super().__init__()
        for name, value in (("noise_dim", noise_dim), ("hidden", hidden), ("out_features", out_features)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value!r}")
        self.noise_dim = noise_dim
        self.net = nn.Sequential(nn.Linear(noise_dim, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.Sigmoid(),
                                 nn.Linear(hidden, out_features))
        _uniform_init(self, irange)
        nn.init.constant_(self.net[2].bias, -2.0)
        sparse_init_(self.net[4], min(sparse, hidden))
        if pixel_means is not None:
            set_output_bias_from_means(self.net[4], pixel_means)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(z))


def tfd_discriminator(in_features: int = 2304, units: int = 1200, pieces: int = 5) -> MaxoutDiscriminator:
    """D of the TFD run: maxout units x pieces, twice, then a sigmoid unit; dropout as for MNIST (keep 0.8,
    0.5, 0.5); weights uniform in [-0.005, 0.005]. The max-norm constraint is applied by the optimiser hook."""
    return MaxoutDiscriminator(in_features, units, pieces)


# --- CIFAR-10, fully connected ---------------------------------------------------------------------
class CIFARGenerator(nn.Module):
    """G of cifar10_fully_connected.yaml: z (100) -> ReLU 8000 -> sigmoid 8000 -> linear 3072.

    The output is linear because the data are contrast-normalised (real-valued, not in [0, 1]). Hidden
    weights uniform in [-0.05, 0.05], output weights uniform in [-0.5, 0.5], biases zero.
    """

    def __init__(self, noise_dim: int = 100, hidden: int = 8000, out_features: int = 3072,
                 irange: float = 0.05, irange_out: float = 0.5) -> None:
        super().__init__()
        self.noise_dim = noise_dim
        self.net = nn.Sequential(nn.Linear(noise_dim, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.Sigmoid(),
                                 nn.Linear(hidden, out_features))
        _uniform_init(self, irange)
        _uniform_init(self.net[4], irange_out)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def cifar_discriminator(units: int = 1600, pieces: int = 5, in_features: int = 3072) -> MaxoutDiscriminator:
    """D of cifar10_fully_connected.yaml: maxout 1600 x 5 twice, sigmoid output, MNIST's dropout."""
    return MaxoutDiscriminator(in_features, units, pieces)


# --- CIFAR-10, convolutional -----------------------------------------------------------------------
class DeconvGenerator(nn.Module):
    """G of cifar10_convolutional.yaml: z -> ReLU 8000 -> sigmoid 8000, seen as 80 maps of 10x10, then one
    transposed convolution (the authors' `Deconv`: 3 output channels, 5x5 kernel, stride 3, no padding)
    to 3 x 32 x 32, since 3 (10 - 1) + 5 = 32. The output is linear with one bias per pixel and channel
    (`tied_b: 0`). Weights uniform in [-0.05, 0.05]. `channels` scales the second hidden layer
    (channels x 10 x 10 units).
    """

    def __init__(self, noise_dim: int = 100, hidden: int = 8000, channels: int = 80, irange: float = 0.05) -> None:
        super().__init__()
        self.noise_dim, self.channels = noise_dim, channels
        self.fc = nn.Sequential(nn.Linear(noise_dim, hidden), nn.ReLU(),
                                nn.Linear(hidden, channels * 100), nn.Sigmoid())
        self.deconv = nn.ConvTranspose2d(channels, 3, kernel_size=5, stride=3, padding=0, bias=False)
        self.bias = nn.Parameter(torch.zeros(3, 32, 32))
        _uniform_init(self, irange)
        nn.init.uniform_(self.deconv.weight, -irange, irange)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(-1, self.channels, 10, 10)
        return self.deconv(h) + self.bias


class MaxoutConv2d(nn.Module):
    """pylearn2's MaxoutConvC01B: convolution to channels x pieces maps, max over each group of `pieces`
    maps, then spatial max pooling. cuda-convnet's pooling keeps a last partial window, as ceil_mode does."""

    def __init__(self, in_channels: int, channels: int, pieces: int, kernel: int, padding: int,
                 pool: int, pool_stride: int) -> None:
        super().__init__()
        self.channels, self.pieces = channels, pieces
        self.conv = nn.Conv2d(in_channels, channels * pieces, kernel, padding=padding)
        self.pool = nn.MaxPool2d(pool, pool_stride, ceil_mode=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        n, _, height, width = h.shape
        h = h.view(n, self.channels, self.pieces, height, width).amax(dim=2)
        return self.pool(h)


class ConvMaxoutDiscriminator(nn.Module):
    """D of cifar10_convolutional.yaml, on 3 x 32 x 32 images:
    maxout-conv 32 x 2 pieces, 8x8 kernel, pad 4, pool 4 stride 2  -> 16 x 16;
    maxout-conv 32 x 2, 8x8, pad 3, pool 4 stride 2                -> 7 x 7;
    maxout-conv 192 x 2, 5x5, pad 3, pool 2 stride 2               -> 5 x 5;
    maxout 500 x 5 -> sigmoid unit (logit returned).
    Dropout on every layer's input: keep 0.8 for the image, 0.5 elsewhere (inverted, scales 1.25 and 2 as
    in the yaml). Weights uniform in [-0.005, 0.005], one bias per channel (`tied_b: 1`).
    """

    def __init__(self, channels: tuple[int, int, int] = (32, 32, 192), units: int = 500, pieces: int = 5,
                 conv_pieces: int = 2, keep: tuple[float, float] = (0.8, 0.5), irange: float = 0.005) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            nn.Dropout(1 - keep[0]), MaxoutConv2d(3, c1, conv_pieces, 8, 4, 4, 2),
            nn.Dropout(1 - keep[1]), MaxoutConv2d(c1, c2, conv_pieces, 8, 3, 4, 2),
            nn.Dropout(1 - keep[1]), MaxoutConv2d(c2, c3, conv_pieces, 5, 3, 2, 2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(1 - keep[1]), Maxout(c3 * 25, units, pieces),
                                  nn.Dropout(1 - keep[1]), nn.Linear(units, 1))
        for layer in self.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d)):
                nn.init.uniform_(layer.weight, -irange, irange)
                nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1:] != (3, 32, 32):
            raise ValueError(f"x must have shape (batch, 3, 32, 32), got {tuple(x.shape)}")
        return self.head(self.features(x)).squeeze(-1)


# --- several seeds as one network ------------------------------------------------------------------
class StackedLinear(nn.Module):
    """S independent `nn.Linear` layers applied at once: (S, B, in) -> (S, B, out)."""

    def __init__(self, layers: list[nn.Linear]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]).contiguous())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


def stack_modules(modules: list[nn.Module]) -> nn.Module:
    """One network running `modules` (same architecture, own weights) side by side on (S, B, ...) inputs.

    Only `nn.Linear` may hold parameters: layers that mix the batch or need image shapes (convolutions,
    batch norm) would need their own batched form, so they are refused.
    """
    if not modules:
        raise ValueError("stack_modules needs at least one module")
    if isinstance(modules[0], nn.Linear):
        return StackedLinear(modules)
    stacked = copy.deepcopy(modules[0])
    for name, layer in modules[0].named_modules():
        if isinstance(layer, nn.Linear):
            parent, _, attr = name.rpartition(".")
            owner = stacked.get_submodule(parent) if parent else stacked
            setattr(owner, attr, StackedLinear([m.get_submodule(name) for m in modules]))
        elif any(True for _ in layer.parameters(recurse=False)):
            raise ValueError(f"stack_modules supports parameters in nn.Linear only; {name!r} is a "
                             f"{type(layer).__name__}")
    return stacked


def unstack_module(stacked: nn.Module, template: nn.Module, seed_index: int) -> nn.Module:
    """Seed `seed_index`'s network out of `stacked`, as a copy of `template` (the single-run architecture)."""
    single = copy.deepcopy(template)
    with torch.no_grad():
        for name, layer in single.named_modules():
            if isinstance(layer, nn.Linear):
                part = stacked.get_submodule(name)
                layer.weight.copy_(part.weight[seed_index].T)
                layer.bias.copy_(part.bias[seed_index, 0])
    return single
