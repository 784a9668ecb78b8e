"""ganlib: the library behind the executable book of Goodfellow et al., "Generative Adversarial Nets" (2014)."""
from .device import default_device, device_name, seed_everything, set_deterministic
from .losses import discriminator_loss, generator_loss, value_function
from .training import Trainer, TrainConfig, TrainingDiverged

__all__ = [
    "default_device", "device_name", "seed_everything", "set_deterministic",
    "discriminator_loss", "generator_loss", "value_function",
    "Trainer", "TrainConfig", "TrainingDiverged",
]
__version__ = "0.1.0"
