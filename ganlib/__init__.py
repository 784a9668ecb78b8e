"""ganlib: the library behind the executable book of Goodfellow et al., "Generative Adversarial Nets" (2014).

The folders are the layers, each importing only those before it:
core (networks, losses, p_z, the optimiser, the one Trainer of Algorithm 1) <- data (MNIST, the faces, CIFAR-10,
toys) <- theory and metrics (Sections 4-6 in numbers; Parzen windows and sample quality) <- book (what the
chapters draw and tabulate). experiments.py names the runs; `python -m ganlib` is the command line.
"""
from ganlib.core.device import default_device, device_name, seed_everything
from ganlib.core.losses import discriminator_loss, generator_loss, value_function
from ganlib.core.trainer import TrainConfig, Trainer, TrainingDiverged
from ganlib.experiments import build, build_ensemble

__all__ = [
    "Trainer", "TrainConfig", "TrainingDiverged", "build", "build_ensemble",
    "value_function", "discriminator_loss", "generator_loss",
    "default_device", "device_name", "seed_everything",
]
__version__ = "0.1.0"
